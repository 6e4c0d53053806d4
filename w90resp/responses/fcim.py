r"""Flexocurrent-induced magnetization (FCIM): WannierBerri calculators.

Koyama, Koretsune and Hattori, "flexocurrent-induced magnetization" (FCIM paper).
With the strain-quadrupole coupling V = sum_lambda g_lambda int eps_lambda Q_lambda
(Eq. 8), the dissipative response M_alpha = f^lambda_{alpha beta} nabla_beta eps_lambda is

* Eq. (34), total:
  f^{lambda:dis}_{ab}/g_lambda = (hbar/(V eta)) sum_{k n} (M_a)_n (v_b)_n (Q_lambda)_n df/de
* Eq. (32), quadrupole-current part: (M_a)_n (J^lambda_b)_n with J = (vQ + Qv)/2
* Eq. (33), torque part: -(M_a)_n sum_{m != n} Re[(v_b)_nm (Q_lambda)_mn]

with v = i[H, r]/hbar the physical velocity: r includes the orbital (Wannier-centre)
positions, which matters for the split (32)/(33) but not for the sum (34).

Degenerate bands (Kramers pairs at TRIM, symmetry lines).  The derivation (App. B,
Eq. B2) keeps the terms with e_m -> e_n; for a degenerate group D these include all
n, n' in D, giving gauge-covariant traces over D (``degen_thresh`` sets D):

    (34):  Re Tr_D[M_D v_D Q_D] = Tr_D[M_D {v_D, Q_D}]/2,
    (32):  Tr_D[M_D J_D],   J = {v, Q}/2 with all intermediate states,
    (33):  -Tr_D[M_D J^out_D],   J^out = {v_o, Q_o}/2 with v_o, Q_o the elements
           between D and the bands outside it,

so that (32) + (33) = (34) identically and all three are invariant under unitary
rotations inside D.  For a non-degenerate band they reduce to the printed formulas.

Normalization.  V = N_k x (cell volume) in 3D; for a 2D sheet (periodic along a1, a2)
the response is per unit area: V = N_k x (cell area).  hbar = 1 internally: v = dH/dk
in energy x length, M = L or S in units of hbar, so f/g_lambda comes out in
hbar / (energy x length) per unit area (2D) or hbar/(energy x length^2) (3D).

The calculators return the lambda index as a Cartesian symmetric traceless pair
(Q_lambda transform like the polynomials of ``operators.QUADRUPOLE_POLYNOMIALS``), so
that WannierBerri's point-group symmetrization rotates every index correctly:
M axial (inversion-even), v polar, Q inversion-even -> total inversion parity odd;
two time-reversal-odd factors -> time-reversal even (Sec. II E of the paper).
"""
import numpy as np
from wannierberri.calculators.calculator import Calculator
from wannierberri.result import EnergyResult
from wannierberri.symmetry.point_symmetry import transform_ident, transform_odd

from ..operators import lambda_to_cartesian
from . import _bands
from ._bands import DEGEN_THRESH

PARTS = ("total", "current", "torque")


def fcim_band_weights(M, v, Q, start, size, part="total"):
    """Per-band FCIM weights w[k, n, a, b, lambda] (their sum over a group is the trace).

    M (nk, nb, nb, 3), v (nk, nb, nb, 3), Q (nk, nb, nb, 5): band-basis matrices.
    ``start``, ``size``: degenerate groups (see ``_bands.degenerate_groups``).
    ``part``: 'total' (Eq. 34), 'current' (Eq. 32) or 'torque' (Eq. 33).
    """
    nk = M.shape[0]
    idx, valid = _bands.group_index(start, size)      # (nk, nb, G)
    kk = np.arange(nk)[:, None, None]
    nn = np.arange(M.shape[1])[None, :, None]
    vm = valid[..., None]
    # rows of M restricted to the group of n: M[n, m_j]
    Mrow = M[kk, nn, idx] * vm                           # (nk, nb, G, 3)
    if part == "total":
        vblk = v[kk[..., None], idx[:, :, :, None], idx[:, :, None, :]]  # (nk, nb, G, G, 3)
        vblk = vblk * (valid[:, :, :, None] & valid[:, :, None, :])[..., None]
        Qblk = Q[kk[..., None], idx[:, :, :, None], idx[:, :, None, :]]  # (nk, nb, G, G, 5)
        Qblk = Qblk * (valid[:, :, :, None] & valid[:, :, None, :])[..., None]
        vcol = v[kk, idx, nn] * vm                       # (nk, nb, G, 3): v[m_l, n]
        Qcol = Q[kk, idx, nn] * vm                       # (nk, nb, G, 5): Q[m_l, n]
        # symmetrized per band, [M_D (v_D Q_D + Q_D v_D)/2]_nn, so that the per-band
        # identity (32) + (33) = (34) holds exactly, not only after the group trace
        w = np.einsum("knja,knjlb,knlc->knabc", Mrow, vblk, Qcol, optimize=True)
        w += np.einsum("knja,knjlc,knlb->knabc", Mrow, Qblk, vcol, optimize=True)
        return 0.5 * w.real
    same = _bands.group_mask(start)[..., None]
    if part == "current":
        vv, QQ = v, Q
    elif part == "torque":
        vv, QQ = v * ~same, Q * ~same
    else:
        raise ValueError(f"part must be one of {PARTS}")
    # J[m, n, b, c] = (v Q + Q v)/2 restricted to the needed column n, rows m in group of n
    vQ = np.einsum("kmlb,klnc->kmnbc", vv, QQ, optimize=True)
    Qv = np.einsum("kmlc,klnb->kmnbc", QQ, vv, optimize=True)
    J = 0.5 * (vQ + Qv)
    Jcol = J[kk, idx, nn] * vm[..., None]               # (nk, nb, G, 3, 5)
    w = np.einsum("knja,knjbc->knabc", Mrow, Jcol, optimize=True).real
    return -w if part == "torque" else w


class FCIM(Calculator):
    """FCIM f^{lambda:dis}_{alpha beta}/g_lambda, FCIM paper Eqs. (32)-(34).

    Parameters
    ----------
    operators : dict with Wannier-basis on-site matrices ``'M'`` (3, nw, nw) -- the
        magnetic moment (L or S, hbar = 1) -- and ``'Q'`` (5, nw, nw).
    moment_name : str, a label for caching the band-basis M ('L', 'S', ...)
    Efermi : chemical potentials (energy unit of the Hamiltonian); need not be uniform
    kT, eta : temperature and damping (same energy unit); kT > 0
    part : 'total' (Eq. 34), 'current' (Eq. 32), 'torque' (Eq. 33)
    cell_measure : cell volume, or cell area for 2D (per-area output); default: the
        3D cell volume of the system
    degen_thresh : bands closer than this form one degenerate group (see DEGEN_THRESH)
    """

    def __init__(self, operators, moment_name, Efermi, kT, eta, part="total",
                 cell_measure=None, degen_thresh=DEGEN_THRESH, **kwargs):
        super().__init__(degen_thresh=degen_thresh, **kwargs)
        if part not in PARTS:
            raise ValueError(f"part must be one of {PARTS}")
        if eta <= 0:
            raise ValueError("eta must be positive")
        self.M = None if operators.get("M") is None else np.asarray(operators["M"])
        self.Q = np.asarray(operators["Q"])
        self.moment_name = moment_name
        self.Efermi = np.asarray(Efermi, dtype=float)
        self.kT = float(kT)
        self.eta = float(eta)
        self.part = part
        self.cell_measure = cell_measure
        self.comment = f"FCIM f/g_lambda, M={moment_name}, part={part} (Koyama et al. Eqs. 32-34)"

    def moment_matrix(self, data_K):
        """Band-basis magnetic-moment matrix (nk, nb, nb, 3); on-site M rotated by U.

        Subclasses with a k-dependent moment (e.g. the Bloch orbital moment) override it.
        """
        return _bands.band_operator(data_K, self.moment_name, self.M)

    def band_weights(self, data_K):
        E = data_K.E_K
        start, size = _bands.groups(data_K, self.degen_thresh)
        M = self.moment_matrix(data_K)
        Q = _bands.band_operator(data_K, "Q", self.Q)
        v = _bands.velocity(data_K)
        return E, fcim_band_weights(M, v, Q, start, size, self.part)

    def __call__(self, data_K):
        E, w = self.band_weights(data_K)
        # f/g = (1/eta) (1/(N V)) sum w df/de,  df/de = -(-df/de)
        res = -_bands.fermi_surface_sum(E, w, self.Efermi, self.kT) / self.eta
        measure = self.cell_measure if self.cell_measure is not None else data_K.cell_volume
        res /= measure * data_K.nk
        res_cart = lambda_to_cartesian(res)              # (nmu, 3, 3, 3, 3)
        return EnergyResult(self.Efermi, res_cart, transformTR=transform_ident,
                            transformInv=transform_odd, comment=self.comment,
                            save_mode=self.save_mode)


def fcim_calculators(tb, mu, kT, eta, moments=("L", "S"), parts=("total",),
                     degen_thresh=DEGEN_THRESH, operators=None):
    """Calculators for every requested (moment, part), keyed 'L', 'L_current', ...

    The results are per unit area for 2D systems (``tb.cell_measure``).
    """
    ops = tb.operators() if operators is None else operators
    calcs = {}
    for M in moments:
        if M not in ops:
            raise ValueError(f"unknown moment '{M}' (known: {sorted(k for k in ops if k != 'Q')})")
        for part in parts:
            key = M if part == "total" else f"{M}_{part}"
            calcs[key] = FCIM({"M": ops[M], "Q": ops["Q"]}, M, mu, kT, eta, part=part,
                              cell_measure=tb.cell_measure, degen_thresh=degen_thresh)
    return calcs


def fcim_response(tb, mu, kT, eta, nk, moments=("L", "S"), parts=("total",),
                  symmetry=True, progress=False, degen_thresh=DEGEN_THRESH, max_fft=64):
    """FCIM f^{lambda:dis}_{alpha beta}/g_lambda of ``tb`` on an nk grid (Eqs. 32-34).

    Returns a dict moment[_part] -> array (nmu, 3, 3, 5) indexed [mu][alpha][beta][lambda]
    with lambda in ``operators.LAMBDAS`` order, in hbar/(energy x length) per unit
    area for 2D (hbar/(energy x length^2) in 3D), energy and length in the units of
    ``tb``.  ``symmetry`` reduces K-points and symmetrizes with the point group that
    spglib finds for ``tb.atoms``.
    """
    from .. import runner
    from ..operators import cartesian_to_lambda
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    calcs = fcim_calculators(tb, mu, kT, eta, moments, parts, degen_thresh)
    raw = runner.run(tb, calcs, nk, symmetry=symmetry, progress=progress, max_fft=max_fft)
    return {k: cartesian_to_lambda(v) for k, v in raw.items()}
