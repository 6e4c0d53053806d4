r"""Bloch orbital magnetic moment and FCIM with it (FCIM paper Sec. IV B, Eq. 48).

The self-rotation moment of a Bloch wave packet (Koyama, Koretsune and Hattori, Eq. 48;
Xiao, Chang and Niu, Rev. Mod. Phys. 82, 1959, the paper's Ref. [82]) is, for an electron of charge -e (e > 0),

    m_n(k) = -i (e / 2 hbar) <d_k u_n| x (H_k - e_n) |d_k u_n>,
    m^a_n  = -i (e / 2 hbar) eps_abc <d_b u_n| (H_k - e_n) |d_c u_n>.          (48)

(The paper writes it as (L^orb)_n with L^orb = -(e/4)(r x p - p x r), i.e. -(e/2) r x v:
despite the symbol it is a magnetic moment, not an angular momentum.)  It is the same
quantity WannierBerri tabulates as ``OrbitalMoment`` (formula
``covariant.morb`` = Morb_H - E_n Omega; there in eV A^2 for the bracket
i eps_abc <d_b u|(H - e)|d_c u>, times ``factor_morb_evA2_to_muB`` = -e^2 A^2/(2 hbar
mu_B) per eV A^2).  For a Wannier/tight-binding Hamiltonian without external (position
matrix) terms, H_k in the convention with the orbital centres in the Bloch phase, the
derivative of the eigenvectors is given by the physical velocity v = dH/dk = i[H, r]
(hbar = 1):  <u_l|d_b u_n> = v^b_ln/(e_n - e_l) for e_l != e_n, so that

    <d_b u_n|(H - e_n)|d_c u_n> = sum_{l: e_l != e_n} v^b_nl v^c_ln / (e_l - e_n),

    m^a_n = -(i e / 2 hbar) eps_abc sum_{l != n} v^b_nl v^c_ln / (e_l - e_n)
          =  (e / hbar) Im sum_{l != n} v^b_nl v^c_ln / (e_l - e_n)   with (a, b, c) cyclic,

e.g. m^z_n = (e/hbar) Im sum_l v^x_nl v^y_ln/(e_l - e_n): the prefactor e/(2 hbar) of
Eq. (48) is doubled by the two orderings (b, c) = (x, y), (y, x) of eps_abc.  In a 2D
sheet the in-plane components m^x, m^y involve v^z = i[H, z], which comes from the heights
of the orbital centres (e.g. the buckling of the decorated square); WannierBerri's
velocity contains it as well.

Degenerate bands.  For a group D of (exactly) degenerate bands the states l in D drop
out of (H - e_D)|d u>, and the gauge-covariant object is the matrix within D

    m^a_{nn'} = -(i e / 2 hbar) eps_abc sum_{l not in D} v^b_nl v^c_ln' / (e_l - e_D),
    n, n' in D,

Hermitian, rotating as W^dagger m W under a unitary W inside D (the non-Abelian
generalisation; its trace over D is the group moment, its off-diagonal elements within a
Kramers pair are the orbital part of the pair's g-tensor).  It is what the FCIM traces of
:mod:`w90resp.responses.fcim` need; elements between different groups are not used and
are set to zero.  Symmetry: m is an axial vector odd under time reversal, so with both
inversion and time reversal the group traces vanish at every k (for a spinless or
spin-degenerate model with P and T the whole matrix vanishes).

Units and sign convention
-------------------------
Internally e = hbar = 1: ``m`` comes in energy x length^2 (the unit of v^2/energy), i.e.
in e E L^2 / hbar.  For Hamiltonians in eV and Angstrom, ``MU_B_PER_EV_A2`` = e eV A^2 /
(hbar mu_B) = 0.26247 converts to Bohr magnetons.  Everything labelled ``bloch``,
``orbital`` or ``total`` below is a *magnetic moment* (not an angular momentum), and for
electrons (charge -e) the atomic angular momenta L, S (units of hbar, as in
:mod:`w90resp.operators`) carry the magnetic moments -mu_B L and -g mu_B S:

    M^bloch   = m_Bloch                          (Eq. 48)
    M^orbital = m_Bloch - mu_B L
    M^total   = m_Bloch - mu_B (L + g S),   g = G_SPIN = 2.0023

all in mu_B.  The FCIM of the existing 'L' and 'S' moments (:func:`fcim.fcim_response`)
is an angular-momentum response in hbar; in mu_B the L response is -f^L and the spin
response -g f^S.  For dimensionless models (decorated square: energies in t, lengths in
a) the conversion to mu_B needs the physical scales: pass ``bloch_to_muB`` (mu_B per
e t a^2/hbar); 'bloch' alone can also be computed in the natural unit e E L^2/hbar.
"""
import numpy as np
import scipy.constants as const

from . import _bands
from ._bands import DEGEN_THRESH, PAIR_SCALE
from .fcim import FCIM, PARTS

#: Bohr magnetons per (e/hbar) eV A^2, the unit of the Bloch moment for eV/A Hamiltonians.
MU_B_PER_EV_A2 = const.e * const.e * 1e-20 / (const.hbar * const.physical_constants["Bohr magneton"][0])

#: Electron spin g-factor used for the spin magnetic moment -g mu_B S.
G_SPIN = 2.0023

#: Moments provided here (see the module docstring); 'bloch' alone can be natural units.
MOMENTS = ("bloch", "orbital", "total")


# ---------------------------------------------------------------- the moment matrix
def group_mean_energies(E, start, size):
    """Energies with each degenerate group replaced by its mean (nk, nb); single bands exact."""
    cs = np.concatenate([np.zeros((E.shape[0], 1)), np.cumsum(E, axis=1)], axis=1)
    rows = np.arange(E.shape[0])[:, None]
    return np.where(size == 1, E, (cs[rows, start + size] - cs[rows, start]) / size)


def bloch_moment_matrix(E, v, start, size, scale=PAIR_SCALE):
    """Band-basis Bloch orbital moment (Eq. 48), internal units e = hbar = 1.

    ``E`` (nk, nb) ascending, ``v`` (nk, nb, nb, 3) band-basis dH/dk, ``start``/``size``
    the degenerate groups (``_bands.degenerate_groups``).  Returns m (nk, nb, nb, 3),
    energy x length^2: within each group D the gauge-covariant matrix
    m^a_{nn'} = -(i/2) eps_abc sum_{l not in D} v^b_nl v^c_ln' / (e_l - e_D), zero between
    different groups.  1/(e_l - e_D) is regularized smoothly below ``scale``
    (:func:`w90resp.responses._bands.pair_factors`): a band l split from D by much less
    than ``scale`` drops out as if it belonged to D (its pair term ~ |v_nl|^2/Delta would
    otherwise depend on the perturbation that splits them).  Vectorized over k: one einsum over (n, l, n' in the group of n).
    """
    nk, nb = E.shape
    Ebar = group_mean_energies(E, start, size)
    same = _bands.group_mask(start)                        # (nk, nb, nb)
    g, _ = _bands.pair_factors(Ebar, scale)                # [k, l, n'] ~ 1/(e_n' - e_l)
    inv = np.where(same, 0.0, -g)                          # ~ 1/(e_l - e_n'), 0 in groups
    vw = v * inv[..., None]                                # v^c_{l n'} / (e_l - e_n')
    # only the blocks inside each group are needed: n' runs over the group of n
    idx, valid = _bands.group_index(start, size)           # (nk, nb, G)
    kk = np.arange(nk)[:, None, None]
    cols = np.moveaxis(vw, 1, 2)[kk, idx] * valid[..., None, None]   # (nk, nb, G, l, c)
    # C^{bc}_{n n'_j} = sum_l v^b_{n l} v^c_{l n'_j} / (e_l - e_n'_j)
    C = np.einsum("knlb,knjlc->knjbc", v, cols, optimize=True)
    mj = np.stack([C[..., 1, 2] - C[..., 2, 1],
                   C[..., 2, 0] - C[..., 0, 2],
                   C[..., 0, 1] - C[..., 1, 0]], axis=-1) * (-0.5j)
    m = np.zeros((nk, nb, nb, 3), dtype=complex)
    nn = np.broadcast_to(np.arange(nb)[None, :, None], idx.shape)
    kb = np.broadcast_to(kk, idx.shape)
    sel = valid
    m[kb[sel], nn[sel], idx[sel]] = mj[sel]
    # exactly Hermitian (the two orderings differ only by rounding within a group)
    return 0.5 * (m + np.conj(np.swapaxes(m, 1, 2)))


def bloch_moment(tb, k_red, degen_thresh=DEGEN_THRESH, units="natural", matrix=False):
    """Band-resolved Bloch orbital moment of ``tb`` at reduced k-points (numpy reference).

    Diagonalizes ``tb.hamiltonian(k, derivative=True)`` and applies Eq. (48) in the
    sum-over-states form of :func:`bloch_moment_matrix`.

    Parameters
    ----------
    k_red : (nk, 3) reduced coordinates
    units : 'natural' (e E L^2/hbar, the Hamiltonian's energy and length units) or
        'muB' (Bohr magnetons; needs eV and Angstrom)
    matrix : also return the band-basis matrix (nk, nb, nb, 3) and the eigenvectors

    Returns
    -------
    E (nk, nb), m (nk, nb, 3) real: the diagonal m_nn.  For a degenerate group only the
    group sum of the diagonal (its trace) is gauge invariant.  With ``matrix``:
    (E, m, m_matrix, U).
    """
    H, dH = tb.hamiltonian(k_red, derivative=True)
    E, U = np.linalg.eigh(H)
    v = np.einsum("kim,kijc,kjn->kmnc", U.conj(), dH, U, optimize=True)
    start, size = _bands.degenerate_groups(E, degen_thresh)
    mm = bloch_moment_matrix(E, v, start, size) * unit_factor(tb, units)
    diag = np.einsum("knnc->knc", mm).real
    return (E, diag, mm, U) if matrix else (E, diag)


def unit_factor(tb, units):
    """Factor from the internal e E L^2/hbar to ``units`` ('natural' or 'muB')."""
    if units == "natural":
        return 1.0
    if units == "muB":
        if tb.energy_unit != "eV" or tb.length_unit != "Angstrom":
            raise ValueError(f"'{tb.name}' is in {tb.energy_unit}/{tb.length_unit}; the Bloch "
                             "moment in mu_B needs eV and Angstrom (or pass bloch_to_muB)")
        return MU_B_PER_EV_A2
    raise ValueError(f"units must be 'natural' or 'muB', not {units!r}")


def bloch_band_moment(data_K, degen_thresh):
    """Cached :func:`bloch_moment_matrix` of a WannierBerri ``Data_K`` chunk (internal units)."""
    c = _bands.cache(data_K)
    key = ("bloch", float(degen_thresh))
    if key not in c:
        start, size = _bands.groups(data_K, degen_thresh)
        c[key] = bloch_moment_matrix(data_K.E_K, _bands.velocity(data_K), start, size)
    return c[key]


class MomentMatrix:
    """Band-basis moment bloch_factor * m_Bloch + sum_name weight * O_name (on-site).

    A callable ``(data_K) -> (nk, nb, nb, 3)`` used as the moment of the FCIM
    calculators.  ``onsite`` maps an operator name to (weight, Wannier-basis matrix
    (3, nw, nw)); e.g. the total moment in mu_B is bloch_factor = mu_B per internal
    unit, onsite = {'L': (-1, L), 'S': (-g, S)}.
    """

    def __init__(self, bloch_factor=1.0, onsite=None, degen_thresh=DEGEN_THRESH):
        self.bloch_factor = float(bloch_factor)
        self.onsite = {name: (float(w), np.asarray(op)) for name, (w, op) in (onsite or {}).items()}
        self.degen_thresh = degen_thresh

    def __call__(self, data_K):
        M = self.bloch_factor * bloch_band_moment(data_K, self.degen_thresh)
        for name, (w, op) in self.onsite.items():
            if w != 0:
                M = M + w * _bands.band_operator(data_K, name, op)
        return M


def moment_matrix_for(tb, moment, g_spin=G_SPIN, bloch_to_muB=None, degen_thresh=DEGEN_THRESH,
                      operators=None):
    """The :class:`MomentMatrix` of 'bloch', 'orbital' or 'total' for ``tb``, and its unit.

    'bloch' is in mu_B when the factor is known (``bloch_to_muB`` given, or eV/A input),
    otherwise in the natural unit e E L^2/hbar; 'orbital' and 'total' are always in mu_B.
    Returns (MomentMatrix, unit label).
    """
    if moment not in MOMENTS:
        raise ValueError(f"moment must be one of {MOMENTS}, not {moment!r}")
    if bloch_to_muB is None:
        try:
            bloch_to_muB = unit_factor(tb, "muB")
        except ValueError:
            if moment != "bloch":
                raise
    if bloch_to_muB is None:
        return MomentMatrix(1.0, degen_thresh=degen_thresh), f"e*{tb.energy_unit}*{tb.length_unit}^2/hbar"
    ops = tb.operators() if operators is None else operators
    onsite = {}
    if moment in ("orbital", "total"):
        onsite["L"] = (-1.0, ops["L"])
    if moment == "total" and tb.spinful:
        onsite["S"] = (-float(g_spin), ops["S"])
    return MomentMatrix(bloch_to_muB, onsite, degen_thresh), "mu_B"


# ---------------------------------------------------------------- FCIM with it
class FCIMBloch(FCIM):
    """FCIM f^{lambda:dis}_{alpha beta}/g_lambda (Eqs. 32-34) with a k-dependent moment.

    The moment is a :class:`MomentMatrix` (Bloch orbital moment Eq. 48, optionally plus
    the atomic -mu_B (L + g S)); everything else (degenerate-group handling, units,
    symmetry parities: M axial, time-reversal odd like L) is that of :class:`FCIM`.

    Parameters
    ----------
    Q : (5, nw, nw) Wannier-basis quadrupoles
    moment : MomentMatrix;  moment_name : label ('bloch', 'orbital', 'total')
    Efermi, kT, eta, part, cell_measure, degen_thresh (and further keywords such as
        ``periodic``) : as for :class:`FCIM`
    """

    def __init__(self, Q, moment, moment_name, Efermi, kT, eta, part="total", cell_measure=None,
                 degen_thresh=DEGEN_THRESH, **kwargs):
        super().__init__({"M": None, "Q": Q}, moment_name, Efermi, kT, eta, part=part,
                         cell_measure=cell_measure, degen_thresh=degen_thresh, **kwargs)
        self.moment = moment
        self.comment = (f"FCIM f/g_lambda, M={moment_name} (Bloch orbital moment, Eq. 48), "
                        f"part={part} (Koyama et al. Eqs. 32-34)")

    def moment_matrix(self, data_K):
        """Band-basis moment matrix: nonzero only within degenerate groups (and on-site terms)."""
        return self.moment(data_K)


def fcim_bloch_calculators(tb, mu, kT, eta, moments=("bloch",), parts=("total",),
                           degen_thresh=DEGEN_THRESH, g_spin=G_SPIN, bloch_to_muB=None,
                           operators=None):
    """:class:`FCIMBloch` calculators keyed 'bloch', 'total_torque', ...; and the units.

    Returns (dict of calculators, dict moment -> unit label of the moment).
    """
    ops = tb.operators() if operators is None else operators
    calcs, units = {}, {}
    for name in moments:
        mm, units[name] = moment_matrix_for(tb, name, g_spin, bloch_to_muB, degen_thresh, ops)
        for part in parts:
            if part not in PARTS:
                raise ValueError(f"part must be one of {PARTS}")
            key = name if part == "total" else f"{name}_{part}"
            calcs[key] = FCIMBloch(ops["Q"], mm, name, mu, kT, eta, part=part,
                                   cell_measure=tb.cell_measure, degen_thresh=degen_thresh,
                                   periodic=tuple(tb.periodic))
    return calcs, units


def fcim_bloch_response(tb, mu, kT, eta, nk, moments=("bloch",), parts=("total",), symmetry=True,
                        progress=False, degen_thresh=DEGEN_THRESH, max_fft=None, g_spin=G_SPIN,
                        bloch_to_muB=None, parallel=False):
    """FCIM of ``tb`` with M = Bloch / orbital / total magnetic moment, mirroring ``fcim_response``.

    Returns a dict moment[_part] -> array (nmu, 3, 3, 5) [mu][alpha][beta][lambda], in
    (moment unit)/(energy x length) per unit area in 2D ((moment unit)/(energy x
    length^2) in 3D), hbar = 1; the moment unit is mu_B (or e E L^2/hbar for 'bloch' of a
    dimensionless model without ``bloch_to_muB``), see :func:`moment_matrix_for`.
    """
    from .. import runner
    from ..operators import cartesian_to_lambda
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    calcs, _ = fcim_bloch_calculators(tb, mu, kT, eta, moments, parts, degen_thresh, g_spin,
                                      bloch_to_muB)
    raw = runner.run(tb, calcs, nk, symmetry=symmetry, progress=progress, max_fft=max_fft,
                     parallel=parallel)
    return {k: cartesian_to_lambda(v) for k, v in raw.items()}
