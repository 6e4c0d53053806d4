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
    moment component (rows: moments, columns: alpha), one curve per lambda."""
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
            ax.set_title(f"$\\bar{{{M}}}_{AXES[a]}$: $f^\\lambda_{{{AXES[a]}{AXES[beta]}}}/g_\\lambda$")
            if r == len(moments) - 1:
                ax.set_xlabel(mu_label)
    axes[0, 0].legend(title=r"$\lambda$", fontsize=8)
    if unit_label:
        fig.text(0.01, 0.005, f"units: {unit_label}", fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    if path:
        fig.savefig(path, dpi=120)
        plt.close(fig)
    return fig
