"""Plots shared by the command line and the tutorials (matplotlib, Agg backend)."""
import numpy as np

from .operators import LAMBDA_LATEX

AXES = "xyz"


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_fcim(mu, results, path=None, beta=0, moments=("L", "S"), title="", unit_label="",
              mu_label="mu"):
    """FCIM paper Fig. 3(g-l) layout: f_{alpha beta}^lambda/g_lambda vs mu, one panel per
    moment component (rows: moments, columns: alpha), one curve per lambda.
    ``unit_label``: one string, or {moment: units} (Bloch moments are in mu_B, L and S
    in hbar), shown on each row."""
    plt = _pyplot()
    moments = [m for m in moments if m in results]
    fig, axes = plt.subplots(len(moments), 3, figsize=(12, 3.2 * len(moments)), squeeze=False,
                             sharex=True)
    for r, M in enumerate(moments):
        data = np.asarray(results[M])
        for a in range(3):
            ax = axes[r, a]
            for lam in range(5):
                ax.plot(mu, data[:, a, beta, lam], label=f"${LAMBDA_LATEX[lam]}$")
            ax.axhline(0, color="k", lw=0.5)
            sym = f"\\bar{{{M}}}" if len(M) == 1 else f"\\mathrm{{{M}}}"
            ax.set_title(f"${sym}_{AXES[a]}$: $f^\\lambda_{{{AXES[a]}{AXES[beta]}}}/g_\\lambda$")
            if r == len(moments) - 1:
                ax.set_xlabel(mu_label)
        if isinstance(unit_label, dict) and unit_label.get(M):
            axes[r, 0].set_ylabel(unit_label[M], fontsize=7)
    axes[0, 0].legend(title=r"$\lambda$", fontsize=8)
    if unit_label and not isinstance(unit_label, dict):
        fig.text(0.01, 0.005, f"units: {unit_label}", fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    if path:
        from .output import save_figure
        save_figure(fig, path)
        plt.close(fig)
    return fig


def plot_band_textures(dist, E, textures, ticks, labels, path=None, title="", energy_unit="",
                       ylim=None, vmax=None):
    """FCIM paper Figs. 3/5/7 (a-f) layout: bands coloured by <M_alpha>_n, one panel per
    component of each moment (rows: moments, columns: x, y, z)."""
    plt = _pyplot()
    names = list(textures)
    fig, axes = plt.subplots(len(names), 3, figsize=(12, 3.4 * len(names)), squeeze=False,
                             sharex=True, sharey=True)
    for r, name in enumerate(names):
        T = textures[name]
        vm = vmax or max(np.abs(T).max(), 1e-12)
        for a in range(3):
            ax = axes[r, a]
            for n in range(E.shape[1]):
                ax.plot(dist, E[:, n], color="0.85", lw=0.6, zorder=1)
            sc = ax.scatter(np.repeat(dist, E.shape[1]), E.ravel(), c=T[..., a].ravel(), s=3,
                            cmap="coolwarm", vmin=-vm, vmax=vm, zorder=2)
            ax.set_xticks(ticks)
            ax.set_xticklabels(["Γ" if c == "G" else c for c in labels])
            for t in ticks:
                ax.axvline(t, color="k", lw=0.4)
            ax.set_title(f"$\\langle {name}_{AXES[a]} \\rangle_n$")
            if ylim:
                ax.set_ylim(*ylim)
            if a == 0:
                ax.set_ylabel(f"energy ({energy_unit})" if energy_unit else "energy")
        fig.colorbar(sc, ax=list(axes[r]), shrink=0.8)
    if title:
        fig.suptitle(title)
    if path:
        from .output import save_figure
        save_figure(fig, path)
        plt.close(fig)
    return fig
