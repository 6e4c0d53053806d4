"""Monolayer 1H-MoS2: the 11-band ab-initio tight-binding Hamiltonian of Fang et al.

S. Fang, R. Kuate Defo, S. N. Shirodkar, S. Lieu, G. A. Tritsaris and E. Kaxiras,
"Ab initio tight-binding Hamiltonian for transition metal dichalcogenides",
Phys. Rev. B 92, 205108 (2015) (arXiv:1506.08860): the truncated TBH with on-site
terms, first-neighbour M-M / X-X hoppings t^(1) (t^(2), t^(3) by C3 rotation),
first-neighbour M-X hoppings t^(5) (t^(4) by rotation) and the partial third-neighbour
M-X hoppings t^(6), plus on-site spin-orbit coupling lambda_M L.S (Mo d) and
lambda_X L.S (S p).  This is the model used by Koyama, Koretsune and Hattori (FCIM
paper, Sec. III B, Fig. 4, App. C, their Ref. [64]) with lattice constant 3.18 A.

Parameters
----------
``FANG_MOS2`` holds the MoS2 column of Fang et al.'s parameter table (eV, four
decimals as printed; names follow the paper: ``eps1`` = epsilon_1, ``t1_35`` =
t^(1)_{3,5}, ``t5_41`` = t^(5)_{4,1}, ``t6_96`` = t^(6)_{9,6}, ...) together with the
SOC constants lambda_M(Mo) = 0.0836 eV and lambda_X(S) = 0.0556 eV, the structure
a = 3.18 A, d_XX = 3.13 A (vertical S-S distance) and d_MX = 2.41 A.  Cross-check: the
same numbers (to more digits, e.g. eps3 = -0.77546, t1_22 = 0.032345) are in the
authors' published MATLAB scripts for the paper (repository shiangfang/VASP-Wannier-Tools,
TMDC_models/H_type_TMDC, "code version July 2017"), and the four-decimal table is
transcribed independently in the tmdybinding (B. Jorissen) and TBPLaS (make_tmdc)
packages; all agree to the printed precision (the extra digits change band energies by
less than 0.2 meV).  The dependent hoppings t^(2), t^(3), t^(4) are generated from
t^(1), t^(5) with the symmetry relations of the paper (C3 rotation of the orbitals);
the C3 and mirror tests of ``tests/test_model_mos2.py`` check them.

Basis of the paper and its transformation
-----------------------------------------
Fang et al. work in a basis of Mo d orbitals and symmetric/antisymmetric combinations
of the two S layers' p orbitals (their indices 1..11):

    odd under z -> -z :  1 d_xz, 2 d_yz, 3 p_z^o, 4 p_x^o, 5 p_y^o
    even under z -> -z:  6 d_z2, 7 d_xy, 8 d_x2-y2, 9 p_z^e, 10 p_x^e, 11 p_y^e

    p_{x,y}^{e/o} = (p_{x,y}^t +/- p_{x,y}^b)/sqrt2,   p_z^{e/o} = (p_z^t -/+ p_z^b)/sqrt2

(t = top S at z = +d_XX/2, b = bottom S at -d_XX/2).  We transform this Hamiltonian to
the atomic basis, so that every Wannier function here is one atomic real orbital.
Their real orbitals are positive multiples of the Cartesian polynomials in the same
frame as Wannier90's (their Y_lm <-> real-orbital table uses the Condon-Shortley
phase, e.g. Y_1^{+1} = -(p_x + i p_y)/sqrt2, Y_2^{+1} = -(d_xz + i d_yz)/sqrt2), and
their SOC is lambda L.S built from the |j, m_j> states of that table, i.e. exactly
lambda L.S with this package's L (test ``test_soc_is_fang_j_basis_construction``).

Axes, positions and the Bloch convention
----------------------------------------
a1 = a(1, 0, 0), a2 = a(-1/2, sqrt3/2, 0) (Fang et al.'s lattice vectors); K = (4 pi/3a, 0)
lies on the x axis and the vertical mirror is x -> -x, the D3h setting of the FCIM paper
(Sec. III B: M_z k_x(k_x^2 - 3k_y^2) is the allowed coupling, L_z and S_z vanish on
Gamma-M).  Fang et al.'s H(k) is H_mn(k) = sum t e^{i k.delta}, read here with
delta = r_n - r_m, and delta_4 = -(2a1+a2)/3, delta_5 = (a1+2a2)/3, delta_6 = (a1-a2)/3
the vectors from an S to its three Mo neighbours.  Hence, with Mo at the origin, both S
sit above/below tau_S = (2/3) a1 + (1/3) a2 = (a/2, a/(2 sqrt3)).  (The other three-fold
site, (a1 + 2 a2)/3 = (0, a/sqrt3), also has the x -> -x mirror; it is the C2z-rotated
crystal, and with it the p-orbital signs would have to be reversed.)  This reading, and
which of Fang's p^t, p^b is the top layer, are fixed by one physical check: projected
onto a Mo-S bond, the S p - Mo d hoppings have Harrison's universal signs,
V_pd sigma < 0 (-1.94 eV) and V_pd pi > 0 (+1.12, +0.92 eV); the three other choices
give fully sign-reversed or non-two-centre patterns (test
``test_mo_s_bond_has_harrison_signs``).  The symmetry tests cannot tell them apart (they
differ by orbital sign changes that commute with D3h).  The phase convention is then the
package's convention I, H_mn(k) = sum_R H_mn(R) exp(i k.(R + tau_n - tau_m)).

Orbitals (Wannier90 order, spin interlaced, 22 Wannier functions)
----------------------------------------------------------------
site 0 Mo (0, 0, 0): d (dz2, dxz, dyz, dx2-y2, dxy) x (up, down);
site 1 S top (a/2, a/(2 sqrt3), +d_XX/2): p (pz, px, py) x (up, down);
site 2 S bottom (a/2, a/(2 sqrt3), -d_XX/2): p (pz, px, py) x (up, down).
Electric quadrupoles live on the Mo d shell only (FCIM paper, App. C).

Band edges (SOC on; energies do not depend on a)
------------------------------------------------
14 electrons fill the lowest 14 of the 22 bands.  At K = (4 pi/3a, 0): direct gap
1.729 eV; valence-band spin splitting 0.144 eV (PBE value for MoS2: 0.148 eV); conduction
splitting 7 meV.  The valence top at K is Mo (d_x2-y2 + i d_xy)/sqrt2 (weight 0.81, the
upper band with S_z = +1/2), the conduction bottom Mo d_z2 (0.84); the CBM is at K, K'.
Property of the truncated TBH (not of the DFT it was fitted to): the Gamma-valley top of
the valence band lies 27 meV above the K-valley top, so the global VBM is at Gamma.

Corrections to the printed parameters: none were needed; Hermiticity, reciprocal
periodicity, C3z, the x -> -x mirror, sigma_h and time reversal hold to machine
precision with the table as printed.
"""
import numpy as np

from ..operators import orbital_angular_momentum, SPIN
from ..orbitals import expand_shells
from ..tb import TightBinding
from ._build import Hoppings

#: MoS2 column of Fang et al., PRB 92, 205108 (2015), parameter table (eV) and SOC constants.
FANG_MOS2 = dict(
    eps1=1.0688, eps3=-0.7755, eps4=-1.2902, eps6=-0.1380, eps7=0.0874,
    eps9=-2.8949, eps10=-1.9065,
    t1_11=-0.2069, t1_22=0.0323, t1_33=-0.1739, t1_44=0.8651, t1_55=-0.1872,
    t1_66=-0.2979, t1_77=0.2747, t1_88=-0.5581, t1_99=-0.1916, t1_1010=0.9122,
    t1_1111=0.0059,
    t1_35=-0.0679, t1_68=0.4096, t1_911=0.0075,
    t1_12=-0.2562, t1_34=-0.0995, t1_45=-0.0705, t1_67=-0.1145, t1_78=-0.2487,
    t1_910=0.1063, t1_1011=-0.0385,
    t5_41=-0.7883, t5_32=-1.3790, t5_52=2.1584, t5_96=-0.8836, t5_116=-0.9402,
    t5_107=1.4114, t5_98=-0.9535, t5_118=0.6517,
    t6_96=-0.0686, t6_116=-0.1498, t6_98=-0.2205, t6_118=-0.2451,
    lambda_M=0.0836, lambda_X=0.0556,
)

DEFAULTS = dict(FANG_MOS2, a=3.18, d_XX=3.13, c=20.0)

_S3 = np.sqrt(3.0)

# Displacements delta = r_n - r_m in units of a1, a2, stored as integer thirds.
_D1, _D2, _D3 = (3, 0), (3, 3), (0, 3)
_D4, _D5, _D6 = (-2, -1), (1, 2), (1, -1)
_D7, _D8, _D9 = (-2, -4), (4, 2), (-2, 2)


def _neg(d):
    return (-d[0], -d[1])


def _paper_terms(p):
    """Fang et al.'s H(k) as {delta (thirds of a1, a2): 11x11 real}, paper basis and indices.

    H_mn(k) = sum_delta E_mn(delta) exp(i k.delta); indices 1..11 as in the module docstring.
    """
    E = {}

    def add(i, j, d, value):
        for key, (m, n) in ((d, (i, j)), (_neg(d), (j, i))):
            E.setdefault(key, np.zeros((11, 11)))[m - 1, n - 1] += value

    def t1(i, j):
        return p[f"t1_{i}{j}"]

    def t5(i, j):
        return p[f"t5_{i}{j}"]

    # on-site energies (eps2 = eps1, eps5 = eps4, eps8 = eps7, eps11 = eps10)
    eps = [p["eps1"], p["eps1"], p["eps3"], p["eps4"], p["eps4"], p["eps6"],
           p["eps7"], p["eps7"], p["eps9"], p["eps10"], p["eps10"]]
    E[(0, 0)] = np.diag(eps).astype(float)

    # M-M and X-X first neighbours.  Diagonal: t^(1) along +-delta_1, t^(2) = t^(3)
    # along +-delta_2, +-delta_3 (rotated doublets mix as 1/4, 3/4).
    t2_diag = {3: t1(3, 3), 6: t1(6, 6), 9: t1(9, 9)}
    for i, j in ((1, 2), (4, 5), (7, 8), (10, 11)):
        t2_diag[i] = 0.25 * t1(i, i) + 0.75 * t1(j, j)
        t2_diag[j] = 0.75 * t1(i, i) + 0.25 * t1(j, j)
    for i in range(1, 12):  # add() with i == j fills +d and -d: 2 t cos(k.d)
        add(i, i, _D1, t1(i, i))
        add(i, i, _D2, t2_diag[i])
        add(i, i, _D3, t2_diag[i])

    # singlet-doublet pairs even under x -> -x: 2 t1 cos(k.d1) + t2 (e^{-ik.d2} + e^{-ik.d3})
    #                                                         + t3 (e^{ik.d2} + e^{ik.d3})
    for i, j, m, n in ((3, 5, 3, 4), (6, 8, 6, 7), (9, 11, 9, 10)):
        a, b = t1(i, j), t1(m, n)
        t2 = _S3 / 2 * b - 0.5 * a
        t3 = -_S3 / 2 * b - 0.5 * a
        for d, v in ((_D1, a), (_neg(_D1), a), (_neg(_D2), t2), (_neg(_D3), t2),
                     (_D2, t3), (_D3, t3)):
            add(i, j, d, v)
    # pairs odd under x -> -x: -2i t1 sin(k.d1) + t2 (e^{-ik.d2} - e^{-ik.d3})
    #                                         + t3 (e^{ik.d3} - e^{ik.d2})
    for i, j in ((1, 2), (3, 4), (4, 5), (6, 7), (7, 8), (9, 10), (10, 11)):
        a = t1(i, j)
        if (i, j) in ((1, 2), (4, 5), (7, 8), (10, 11)):  # within a doublet
            b = _S3 / 4 * (t1(i, i) - t1(j, j))
            t2, t3 = b - a, -b - a
        else:  # singlet - doublet partner (3,4), (6,7), (9,10); uses t1_{i,j+1}
            b = _S3 / 2 * t1(i, j + 1)
            t2, t3 = 0.5 * a + b, 0.5 * a - b
        for d, v in ((_neg(_D1), a), (_D1, -a), (_neg(_D2), t2), (_neg(_D3), -t2),
                     (_D2, -t3), (_D3, t3)):
            add(i, j, d, v)

    # M-X first neighbours (X row, M column): t^(5) along delta_5, t^(4) along delta_4, 6
    t4 = {
        (4, 1): 0.25 * t5(4, 1) + 0.75 * t5(5, 2),
        (5, 2): 0.75 * t5(4, 1) + 0.25 * t5(5, 2),
        (10, 7): 0.25 * t5(10, 7) + 0.75 * t5(11, 8),
        (11, 8): 0.75 * t5(10, 7) + 0.25 * t5(11, 8),
        (5, 1): _S3 / 4 * (t5(5, 2) - t5(4, 1)),
        (4, 2): _S3 / 4 * (t5(5, 2) - t5(4, 1)),
        (11, 7): _S3 / 4 * (t5(11, 8) - t5(10, 7)),
        (10, 8): _S3 / 4 * (t5(11, 8) - t5(10, 7)),
        (3, 1): -_S3 / 2 * t5(3, 2),
        (9, 7): -_S3 / 2 * t5(9, 8),
        (3, 2): -0.5 * t5(3, 2),
        (9, 8): -0.5 * t5(9, 8),
        (9, 6): t5(9, 6),
        (10, 6): -_S3 / 2 * t5(11, 6),
        (11, 6): -0.5 * t5(11, 6),
    }
    # no t^(5) along delta_5 for these: t4 (e^{ik.d4} - e^{ik.d6})
    for ij in ((3, 1), (5, 1), (4, 2), (10, 6), (9, 7), (11, 7), (10, 8)):
        add(*ij, _D4, t4[ij])
        add(*ij, _D6, -t4[ij])
    # t4 (e^{ik.d4} + e^{ik.d6}) + t5 e^{ik.d5}
    for ij in ((4, 1), (3, 2), (5, 2), (9, 6), (11, 6), (10, 7), (9, 8), (11, 8)):
        add(*ij, _D4, t4[ij])
        add(*ij, _D6, t4[ij])
        add(*ij, _D5, t5(*ij))

    # M-X third neighbours t^(6) (even sector only), along delta_7, delta_8, delta_9
    a, b, c, d = p["t6_96"], p["t6_116"], p["t6_98"], p["t6_118"]
    for ij, coeffs in (
            ((9, 6), (a, a, a)),
            ((11, 6), (b, -b / 2, -b / 2)),
            ((10, 6), (0.0, -_S3 / 2 * b, _S3 / 2 * b)),
            ((9, 8), (c, -c / 2, -c / 2)),
            ((9, 7), (0.0, -_S3 / 2 * c, _S3 / 2 * c)),
            ((10, 7), (0.0, 0.75 * d, 0.75 * d)),
            ((11, 7), (0.0, _S3 / 4 * d, -_S3 / 4 * d)),
            ((10, 8), (0.0, _S3 / 4 * d, -_S3 / 4 * d)),
            ((11, 8), (d, d / 4, d / 4))):
        for disp, v in zip((_D7, _D8, _D9), coeffs):
            if v != 0.0:
                add(*ij, disp, v)
    return E


# Paper basis (indices 1..11) -> atomic basis in package order
# [Mo dz2, dxz, dyz, dx2-y2, dxy, S_top pz, px, py, S_bottom pz, px, py]:
# W[a, e] = <atomic a | paper e>.
def _paper_to_atomic():
    r = 1 / np.sqrt(2)
    W = np.zeros((11, 11))
    for paper, atomic in ((1, 1), (2, 2), (6, 0), (7, 4), (8, 3)):
        W[atomic, paper - 1] = 1.0
    # (paper index, orbital offset in (pz, px, py), sign of the bottom-layer part)
    for paper, off, sign_bottom in ((3, 0, +1), (4, 1, -1), (5, 2, -1),
                                    (9, 0, -1), (10, 1, +1), (11, 2, +1)):
        W[5 + off, paper - 1] = r
        W[8 + off, paper - 1] = sign_bottom * r
    return W


#: site of each of the 11 spinless atomic orbitals (0 Mo, 1 S top, 2 S bottom)
_SITE = (0,) * 5 + (1,) * 3 + (2,) * 3
#: in-plane reduced positions in thirds of (a1, a2): Mo at 0, both S at (2 a1 + a2)/3
_TAU3 = {0: (0, 0), 1: (2, 1), 2: (2, 1)}


def spinless_hoppings(**params):
    """Fang et al.'s spinless H(R) (11x11 per R) in the atomic basis of :func:`mos2`.

    Returns {R: array} with H_mn(R) = <m, 0|H|n, R> (package convention I).
    """
    p = dict(DEFAULTS, **params)
    W = _paper_to_atomic()
    out = {}
    for d, block in _paper_terms(p).items():
        h = W @ block @ W.T
        for m, n in zip(*np.nonzero(np.abs(h) > 1e-14)):
            tm, tn = _TAU3[_SITE[m]], _TAU3[_SITE[n]]
            R3 = (d[0] - tn[0] + tm[0], d[1] - tn[1] + tm[1])
            if R3[0] % 3 or R3[1] % 3:
                raise AssertionError(f"hopping {m}->{n} at {d} is not a lattice translation")
            R = (R3[0] // 3, R3[1] // 3, 0)
            out.setdefault(R, np.zeros((11, 11)))[m, n] += h[m, n]
    return out


def mos2(**params):
    """Build Fang et al.'s 22-band (with SOC) monolayer MoS2 model (eV, Angstrom).

    Keyword arguments override ``DEFAULTS``: any entry of ``FANG_MOS2`` (on-site
    energies, hoppings, ``lambda_M``, ``lambda_X``), the lattice constant ``a``
    (3.18 A, as in the FCIM paper), the vertical S-S distance ``d_XX`` (3.13 A) and the
    out-of-plane cell length ``c`` (20 A, structure only).
    """
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown parameters {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    p = dict(DEFAULTS, **params)
    a, h, c = p["a"], p["d_XX"] / 2, p["c"]
    lattice = np.array([[a, 0.0, 0.0], [-a / 2, _S3 * a / 2, 0.0], [0.0, 0.0, c]])
    s_inplane = (2 * lattice[0] + lattice[1]) / 3  # (a/2, a/(2 sqrt3), 0)
    sites = [
        (0, "Mo", (0.0, 0.0, 0.0), ["d"]),
        (1, "S", s_inplane + np.array([0.0, 0.0, h]), ["p"]),
        (2, "S", s_inplane - np.array([0.0, 0.0, h]), ["p"]),
    ]
    orbs = expand_shells(sites, spinors=True)
    H = Hoppings(len(orbs))
    for R, h0 in spinless_hoppings(**p).items():
        H.blocks[R] += np.kron(h0, np.eye(2))
    # on-site spin-orbit coupling lambda L.S (orbital x spin, interlaced order)
    for shell, lam, first in (("d", p["lambda_M"], 0), ("p", p["lambda_X"], 10),
                              ("p", p["lambda_X"], 16)):
        L = orbital_angular_momentum(shell)
        LS = sum(np.kron(L[i], SPIN[i]) for i in range(3))
        H.onsite_matrix(list(range(first, first + LS.shape[0])), lam * LS)
    atoms = [(s[1], np.array(s[2], float)) for s in sites]
    return TightBinding(
        name="mos2", real_lattice=lattice, orbitals=orbs, hoppings=H.as_dict(),
        periodic=(True, True, False), energy_unit="eV", length_unit="Angstrom",
        atoms=atoms, parameters=p, quadrupole_sites=lambda o: o.species == "Mo",
    )
