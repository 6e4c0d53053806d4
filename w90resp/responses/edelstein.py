r"""Current-induced (Edelstein) magnetization: spin, atomic-orbital and Bloch-orbital parts.

An electric field E drives, through the relaxation of the distribution (Boltzmann,
tau = hbar/eta; electron charge -e, potential energy e E.r),

    d<M_a>/V = chi_ab (e E_b),   chi_ab = (1/(V eta)) sum_kn (M_a)_n (v_b)_n f'(e_kn),      (E)

the kinetic magnetoelectric (Edelstein) response: Edelstein, Solid State Commun. 73, 233
(1990) for spin; Yoda, Yokoyama, Murakami, Sci. Rep. 5, 12024 (2015) and Zhong, Moore,
Souza, PRL 116, 077201 (2016), Eq. (9), for the orbital moment.  Eq. (E) is the FCIM
Eq. (34) of Koyama, Koretsune and Hattori with the quadrupole Q_lambda replaced by the
identity (one "component") and g_lambda grad eps_lambda by e E: the engine of
:mod:`w90resp.responses.fcim` computes it unchanged, including the degenerate-group
limits and, with ``kubo='full'``, the finite-eta Kubo form of
:mod:`w90resp.responses.fcim_kubo` (Eq. B1 with J = {v, 1}/2 = v; the torque term of
Eq. B6 vanishes identically since tau = i[H, 1] = 0), i.e.

    chi^full_ab = (1/V) sum_k sum_nm F_nm eta/((e_n - e_m)^2 + eta^2) Re[(M_a)_nm (v_b)_mn],
    F_nm = [f(e_n) - f(e_m)]/(e_n - e_m),

whose same-band terms are Eq. (E) and whose eta-independent reactive part (Eq. R of
``fcim_kubo``, odd under time reversal) exists only in magnets.

Moments: 'S', 'L' (on-site angular momenta, hbar) and 'bloch', 'orbital', 'total'
(magnetic moments in mu_B, :mod:`w90resp.responses.bloch_moment`).  Units as FCIM:
(moment unit)/(energy x length) per unit area in 2D, per volume over length in 3D.
Symmetry: M axial and v polar (inversion odd); M and 1/eta both odd under time reversal,
so Eq. (E) is allowed in nonmagnets without inversion (time-reversal even).
"""
import numpy as np

from ._bands import DEGEN_THRESH
from .bloch_moment import G_SPIN, MOMENTS as BLOCH_MOMENTS, FCIMBloch, moment_matrix_for
from .fcim import FCIM
from .fcim_kubo import FCIMKubo


class _Rank2:
    """The k-sum (nmu, 3, 3, 1) of an FCIM-engine calculator with Q = 1 as chi_ab."""

    def result_array(self, res):
        return res[..., 0]


class Edelstein(_Rank2, FCIM):
    """Eq. (E) with an on-site moment (L or S)."""


class EdelsteinBloch(_Rank2, FCIMBloch):
    """Eq. (E) with the Bloch orbital / total magnetic moment."""


class EdelsteinKubo(_Rank2, FCIMKubo):
    """The finite-eta Kubo form of Eq. (E); ``part`` 'total' (dissipative) or 'reactive'."""


def edelstein_calculators(tb, mu, kT, eta, moments=("S", "L"), kubo="intraband",
                          degen_thresh=DEGEN_THRESH, g_spin=G_SPIN, bloch_to_muB=None):
    """Calculators keyed by moment (and 'M_reactive' for ``kubo='full'``); unit labels of the moments."""
    ops = tb.operators()
    one = np.eye(tb.num_wann, dtype=complex)[None]
    common = dict(cell_measure=tb.cell_measure, degen_thresh=degen_thresh, periodic=tuple(tb.periodic))
    calcs, units = {}, {}
    for name in moments:
        if name in BLOCH_MOMENTS:
            mm, units[name] = moment_matrix_for(tb, name, g_spin, bloch_to_muB, degen_thresh, ops)
            opsM = {"Q": one}
        elif name in ("L", "S") and name in ops:
            mm, units[name], opsM = None, "hbar", {"M": ops[name], "Q": one}
        else:
            raise ValueError(f"unknown moment '{name}' (S, L, {', '.join(BLOCH_MOMENTS)})")
        if kubo == "full":
            for part, key in (("total", name), ("reactive", f"{name}_reactive")):
                calcs[key] = EdelsteinKubo(opsM, name, mu, kT, eta, part=part, moment=mm, **common)
        elif mm is None:
            calcs[name] = Edelstein(opsM, name, mu, kT, eta, **common)
        else:
            calcs[name] = EdelsteinBloch(one, mm, name, mu, kT, eta, **common)
        for c in [calcs[k] for k in calcs if k.split("_")[0] == name]:
            c.comment = f"Edelstein chi_ab, M={name}, kubo={kubo} (w90resp.responses.edelstein Eq. E)"
    return calcs, units


def edelstein_response(tb, mu, kT, eta, nk, moments=("S", "L"), kubo="intraband", symmetry=True,
                       progress=False, degen_thresh=DEGEN_THRESH, max_fft=None, parallel=False,
                       g_spin=G_SPIN, bloch_to_muB=None, max_memory=None):
    """chi_ab of Eq. (E) on an nk grid: (dict key -> (nmu, 3, 3) [mu][a][b], dict moment -> unit)."""
    from .. import runner
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    calcs, units = edelstein_calculators(tb, mu, kT, eta, moments, kubo, degen_thresh, g_spin,
                                         bloch_to_muB)
    raw = runner.run(tb, calcs, nk, symmetry=symmetry, progress=progress, max_fft=max_fft,
                     parallel=parallel, max_memory=max_memory)
    return raw, units
