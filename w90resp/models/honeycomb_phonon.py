r"""Spinless honeycomb model with a circularly rotating (chiral phonon) perturbation.

Xiao, Ren & Xiong, PRB 103, 115432 (2021), Sec. V A, Eqs. (22)-(24):

    H(k)  = t0 (F_R sigma_x - F_Im sigma_y) + Delta sigma_z + t1 F_NN sigma_0,      (22)
    u_A   = u0 (cos wt, sin wt),  u_B = -u_A,                                        (23)
    dH(k, t) = -dt0 (sigma_x sin y + sigma_y cos y) sqrt(3) sin x cos wt
               + dt0 [(cos x cos y - cos 2y) sigma_x - (cos x sin y + sin 2y) sigma_y] sin wt,
                                                                                     (24)
with x = k_x a0 sqrt(3)/2, y = k_y a0/2, a0 the interatomic distance.

Real-space construction.  A at the origin, B at A + delta_1; nearest-neighbour vectors
from A to B  delta_1 = a0(sqrt3/2, 1/2), delta_2 = a0(-sqrt3/2, 1/2), delta_3 = a0(0, -1);
lattice a1 = a0(sqrt3, 0), a2 = a0(sqrt3/2, 3/2) (|a_i| = a = sqrt3 a0).  With H_AB(k) =
sum_j t_j exp(i k.delta_j) (orbital positions in the Bloch phase) one gets
sum_j exp(i k.delta_j) = F_R + i F_Im, and H = h.sigma has H_AB = h_x - i h_y, which is
exactly the t0 term of Eq. (22) for t_j = t0.

Perturbation (23)-(24).  The bond A -> B_j has length |delta_j + u_B - u_A|
= a0 - 2 u0 (delta_j/a0).(cos wt, sin wt) + O(u0^2): the rotation modulates only the
nearest-neighbour hoppings (second neighbours belong to one sublattice and move
rigidly).  A bond-length dependence of the hopping gives
t_j(t) = t0 + dt0 (delta_j/a0).(cos wt, sin wt), dt0 proportional to 2 u0.  Summing
dt_j exp(i k.delta_j) reproduces the printed Eq. (24) term by term: the cos wt part is
sum_j (delta_j,x/a0) e^{ik.delta_j} = i sqrt3 sin x e^{iy}, the sin wt part
sum_j (delta_j,y/a0) e^{ik.delta_j} = cos x e^{iy} - e^{-2iy}.  Eq. (24) is therefore
confirmed; in the orbital-position gauge H_AB(k + G) = e^{iG.delta_1} H_AB(k), and the
spectrum is periodic in the reciprocal lattice (tests check both).

Correction to the printed F_NN.  The six second neighbours are +-a1, +-a2, +-(a1 - a2);
their structure factor is sum_b exp(i k.b) = 2 cos 2x + 4 cos x cos 3y, and
|F_R + i F_Im|^2 = 3 + 2 cos 2x + 4 cos x cos 3y.  The printed
F_NN = 2 cos(2x/sqrt3) + 4 cos(x/sqrt3) cos(sqrt3 y) + 3 is not periodic in the
reciprocal lattice of this honeycomb lattice (a test shows it); the arguments 2x/sqrt3,
x/sqrt3, sqrt3 y should read 2x, x, 3y, which makes F_NN = |F|^2 (the "+3" is an on-site
shift 3 t1 that we keep; it moves both bands rigidly and changes no result in the gap).

Units: energies in t0 (t0 = 1 by default), lengths in a0 (the lattice constant is
a = sqrt3 a0; the paper quotes moments per area a^2).  Sublattice A carries +Delta.
The time dependence is exposed as Fourier components (``phonon_fourier``) and as a
:class:`w90resp.responses.pumped.PeriodicTightBinding` (``honeycomb_phonon_cycle``).
"""
import numpy as np

from ..orbitals import Orbital
from ..tb import TightBinding
from ._build import Hoppings

DEFAULTS = dict(t0=1.0, t1=0.1, delta=0.2, dt0=0.1, a0=1.0, c=10.0)

SQ3 = np.sqrt(3.0)


def _geometry(a0, c):
    lattice = np.array([[SQ3 * a0, 0, 0], [SQ3 * a0 / 2, 1.5 * a0, 0], [0, 0, c]])
    deltas = a0 * np.array([[SQ3 / 2, 0.5, 0], [-SQ3 / 2, 0.5, 0], [0, -1.0, 0]])
    # B at A + delta_1; delta_j = (B + R_j) - A with R_1 = 0, R_2 = -a1, R_3 = -a2
    cells = [(0, 0, 0), (-1, 0, 0), (0, -1, 0)]
    pos_A = np.zeros(3)
    pos_B = deltas[0].copy()
    return lattice, deltas, cells, pos_A, pos_B


def _check(params):
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown parameters {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    return dict(DEFAULTS, **params)


def _tb(name, p, nn_hoppings, t1, delta, onsite_shift):
    """TightBinding with NN hoppings t_j (j = 1..3), NNN t1 and staggered Delta."""
    lattice, deltas, cells, pos_A, pos_B = _geometry(p["a0"], p["c"])
    orbs = [Orbital(0, "A", pos_A, "s", "s"), Orbital(1, "B", pos_B, "s", "s")]
    H = Hoppings(2)
    H.onsite(0, 0, delta + onsite_shift)
    H.onsite(1, 1, -delta + onsite_shift)
    for tj, R in zip(nn_hoppings, cells):
        H.hop(0, 1, R, tj)
    # second neighbours: +-a1, +-a2, +-(a1 - a2) on both sublattices (hop adds -R)
    for R in ((1, 0, 0), (0, 1, 0), (1, -1, 0)):
        for s in (0, 1):
            H.hop(s, s, R, t1)
    atoms = [("A", pos_A), ("B", pos_B)]
    return TightBinding(name=name, real_lattice=lattice, orbitals=orbs, hoppings=H.as_dict(),
                        periodic=(True, True, False), energy_unit="t0", length_unit="a0",
                        atoms=atoms, parameters=dict(p))


def bond_directions(a0=1.0):
    """Unit vectors delta_j/a0 from A to its three B neighbours (3, 3)."""
    return _geometry(a0, 10.0)[1] / a0


def honeycomb(**params):
    """Static model Eq. (22) (with the corrected F_NN, see module docstring).

    Parameters (model units): t0, t1, delta (Delta), a0; ``dt0`` is accepted and ignored.
    Sublattice potential Delta breaks inversion; the model is time-reversal symmetric.
    """
    p = _check(params)
    return _tb("honeycomb", p, [p["t0"]] * 3, p["t1"], p["delta"], 3 * p["t1"])


def honeycomb_phonon(phase=0.0, **params):
    """H at rotation phase wt = ``phase``: Eq. (22) + Eq. (24) as real-space hoppings.

    t_j = t0 + dt0 (delta_j/a0).(cos wt, sin wt) on the three nearest-neighbour bonds.
    The instantaneous model has no symmetry beyond the lattice translations in general
    (the rotating displacements break the C3 and the mirrors); ``magnetic_moments`` is
    left unset: the runner must be used with ``symmetry=False`` for it.
    """
    p = _check(params)
    dirs = bond_directions()
    u = np.array([np.cos(phase), np.sin(phase), 0.0])
    tj = p["t0"] + p["dt0"] * dirs @ u
    tb = _tb("honeycomb-phonon", p, list(tj), p["t1"], p["delta"], 3 * p["t1"])
    tb.parameters = dict(p, phase=float(phase))
    return tb


def phonon_fourier(**params):
    """Fourier components of the cycle: H(wt) = sum_n H_n e^{i n wt}.

    Returns (H_0, {+1: blocks, -1: blocks}) with H_0 the TightBinding of Eq. (22) and
    ``blocks`` dicts R -> (2, 2) arrays.  Since t_j(t) = t0 + dt0 (delta_j/a0).(cos wt,
    sin wt) is real, its e^{+-i wt} coefficients are c_j = dt0 (d_jx -+ i d_jy)/2, and they
    sit on both A->B (R_j) and B->A (-R_j); H_{-1}(R) = H_{+1}(-R)^dagger.
    """
    p = _check(params)
    dirs = bond_directions()
    h0 = _tb("honeycomb-phonon[0]", p, [p["t0"]] * 3, p["t1"], p["delta"], 3 * p["t1"])
    cells = _geometry(p["a0"], p["c"])[2]
    harmonics = {}
    for n, s in ((1, -1j), (-1, 1j)):
        blocks = {}
        for d, R in zip(dirs, cells):
            c = p["dt0"] * (d[0] + s * d[1]) / 2
            mR = tuple(-x for x in R)
            blocks.setdefault(R, np.zeros((2, 2), complex))[0, 1] += c
            blocks.setdefault(mR, np.zeros((2, 2), complex))[1, 0] += c
        harmonics[n] = blocks
    return h0, harmonics


def honeycomb_phonon_cycle(**params):
    """The rotation cycle as a :class:`~w90resp.responses.pumped.PeriodicTightBinding`."""
    from ..responses.pumped import PeriodicTightBinding
    p = _check(params)
    h0, harmonics = phonon_fourier(**p)
    return PeriodicTightBinding(h0, harmonics, name="honeycomb-phonon", parameters=p)


def printed_structure_factors(kx, ky, a0=1.0):
    """Eq. (22)/(24) structure factors exactly as printed (for tests and documentation).

    Returns dict with F_R, F_Im, F_NN (printed arguments), F_NN_corrected, and the two
    matrices multiplying cos wt and sin wt in Eq. (24) per unit dt0 as (h_x, h_y) pairs.
    """
    x = kx * a0 * SQ3 / 2
    y = ky * a0 / 2
    return {
        "F_R": 2 * np.cos(x) * np.cos(y) + np.cos(2 * y),
        "F_Im": 2 * np.cos(x) * np.sin(y) - np.sin(2 * y),
        "F_NN": 2 * np.cos(2 * x / SQ3) + 4 * np.cos(x / SQ3) * np.cos(SQ3 * y) + 3,
        "F_NN_corrected": 2 * np.cos(2 * x) + 4 * np.cos(x) * np.cos(3 * y) + 3,
        "cos_term": (-SQ3 * np.sin(x) * np.sin(y), -SQ3 * np.sin(x) * np.cos(y)),
        "sin_term": (np.cos(x) * np.cos(y) - np.cos(2 * y), -(np.cos(x) * np.sin(y) + np.sin(2 * y))),
    }
