r"""Rashba ferromagnets: the 2D continuum model of Shitade, Daido and Yanase, Eq. (22),
on a fine square lattice, and a gapped lattice Rashba--Zeeman insulator.

Continuum model (Eq. 22), hbar = 1 so that p = k:

    H(k) = k^2 / 2m + alpha (k_y sigma_x - k_x sigma_y) + b sigma_z,

with bands eps_pm = k^2/2m pm Delta(k), Delta = sqrt(alpha^2 k^2 + b^2).  The paper's
units are m alpha^2 = 1 (energy), m alpha = 1 (momentum), 1/(m alpha) (length),
hbar = k_B = 1.

Lattice regularization (:func:`rashba_fm`).  The model is put on a square lattice of
constant ``a`` (small against 1/(m alpha)) by replacing the polynomials in k with
central finite-difference stencils of even order ``2p`` (``order``):

    k_x   -> (1/a)   sum_{j=1}^{p} d_j sin(j k_x a),
    k_x^2 -> (1/a^2) sum_{j=1}^{p} c_j (2 - 2 cos(j k_x a)),

    d_j = 2 (-1)^{j+1} (p!)^2 / (j (p-j)! (p+j)!),   c_j = d_j / j,

(p = 1 is the nearest-neighbour model sin(ka)/a, (2 - 2cos ka)/a^2).  The two sums
equal k and k^2 up to relative errors O((ka)^{2p}), so for every state with
|k| a << 1 the lattice Hamiltonian converges to Eq. (22) as a -> 0 or p -> infinity; the
responses need only occupied states (|k| <~ a few m alpha at the chemical potentials
of Figs. 1-2), and the lattice states near the zone boundary lie at energies of order
(pi/a)^2/2m, far above them.  Hoppings are along a1 and a2 only (up to p neighbours),
so the lattice keeps the C4v x time-reversal-breaking structure of Eq. (22) (magnetic
point group 4m'm' for b != 0; the continuum has C_inf v).  Convergence to the
continuum closed forms is checked in the tests.

:func:`rashba_insulator` is a nearest-neighbour lattice Rashba--Zeeman model with a
k-dependent mass, gapped at half filling; it is used for the insulator relation, Eq. (4).

Structure for the symmetry search: the orbital sits on atom "R" at the origin; a
decoration atom "X" at (0, 0, c/4) without orbitals records the polar axis (the Rashba
term needs broken z -> -z mirror symmetry).  With b != 0 the "R" atom carries a
moment along z, so the runner's magnetic point group is 4m'm' (no time reversal).
"""
from math import factorial

import numpy as np

from ..operators import PAULI
from ..orbitals import Orbital
from ..tb import TightBinding
from ._build import Hoppings

RASHBA_FM_DEFAULTS = dict(b=0.5, alpha=1.0, mass=1.0, lattice_constant=None, order=16)

#: default lattice constant of :func:`rashba_fm`, in units of 1/(m alpha)
DEFAULT_LATTICE_CONSTANT = 0.25


def stencil_coefficients(order):
    """Central-difference coefficients (d_j, c_j), j = 1..p, of even ``order`` = 2p.

    sum_j d_j sin(j x) = x + O(x^{2p+1}) and sum_j c_j (2 - 2 cos(j x)) = x^2 + O(x^{2p+2}).
    """
    order = int(order)
    if order < 2 or order % 2:
        raise ValueError("order must be an even integer >= 2")
    p = order // 2
    j = np.arange(1, p + 1)
    d = np.array([2 * (-1) ** (jj + 1) * factorial(p) ** 2
                  / (jj * factorial(p - jj) * factorial(p + jj)) for jj in j], dtype=float)
    return d, d / j


def _structure(c, b):
    atoms = [("R", np.zeros(3)), ("X", np.array([0.0, 0.0, c / 4]))]
    moments = [[0.0, 0.0, 1.0 if b > 0 else -1.0], [0.0, 0.0, 0.0]] if b != 0 else None
    return atoms, moments


def _spin_orbitals():
    return [Orbital(0, "R", np.zeros(3), "s", "s", spin=s) for s in ("up", "down")]


def _add_axis_terms(H, R, kinetic, rashba_x, rashba_y):
    """Adds hoppings along R realising kinetic*(2-2cos) and Rashba sin terms.

    ``kinetic`` multiplies (2 - 2 cos(k.R)) (identity in spin); ``rashba_x``,
    ``rashba_y`` multiply sin(k.R) sigma_x and sin(k.R) sigma_y.
    For a hopping t_R at R and t_R^dagger at -R:  t e^{ikR} + t^dag e^{-ikR};
    -kinetic*(e^{ikR}+e^{-ikR}) gives -2 kinetic cos; (A/2i)(e^{ikR}-e^{-ikR}) gives A sin.
    """
    sx, sy = PAULI[0], PAULI[1]
    hop = -kinetic * np.eye(2) + (rashba_x * sx + rashba_y * sy) / 2j
    for m in range(2):
        for n in range(2):
            if hop[m, n] != 0:
                H.hop(m, n, R, hop[m, n])
    for s in range(2):
        H.onsite(s, s, 2 * kinetic)


def rashba_fm(b=0.5, alpha=1.0, mass=1.0, lattice_constant=None, order=16, c=None):
    r"""Lattice regularization of the 2D Rashba ferromagnet, Eq. (22) of Shitade et al.

    Parameters (hbar = 1; any consistent units, the paper's are m alpha^2 = 1):
    b : exchange (Zeeman) energy of b sigma_z
    alpha : Rashba constant (energy x length)
    mass : m in k^2/2m
    lattice_constant : a; default ``DEFAULT_LATTICE_CONSTANT / (mass alpha)``
        (1/(mass) if alpha = 0)
    order : even stencil order 2p (module docstring); hoppings reach p neighbours
    c : out-of-plane cell length used only for the structure (default 10 a)

    Returns a 2D :class:`~w90resp.tb.TightBinding` (basis: one s orbital, spin up/down)
    whose ``magnetic_moments`` are set when b != 0.
    """
    b, alpha, mass = float(b), float(alpha), float(mass)
    if mass <= 0:
        raise ValueError("mass must be positive")
    if lattice_constant is None:
        scale = mass * abs(alpha) if alpha != 0 else mass
        lattice_constant = DEFAULT_LATTICE_CONSTANT / scale
    a = float(lattice_constant)
    if a <= 0:
        raise ValueError("lattice_constant must be positive")
    c = 10 * a if c is None else float(c)
    d, cc = stencil_coefficients(order)
    H = Hoppings(2)
    H.onsite(0, 0, b)
    H.onsite(1, 1, -b)
    for j in range(1, len(d) + 1):
        kin = cc[j - 1] / (2 * mass * a ** 2)
        ra = alpha * d[j - 1] / a
        # alpha (k_y sigma_x - k_x sigma_y): along x the sin multiplies -sigma_y,
        # along y it multiplies +sigma_x
        _add_axis_terms(H, (j, 0, 0), kin, 0.0, -ra)
        _add_axis_terms(H, (0, j, 0), kin, ra, 0.0)
    atoms, moments = _structure(c, b)
    params = dict(b=b, alpha=alpha, mass=mass, lattice_constant=a, order=int(order))
    return TightBinding(
        name="rashba-fm", real_lattice=np.diag([a, a, c]), orbitals=_spin_orbitals(),
        hoppings=H.as_dict(), periodic=(True, True, False), energy_unit="model",
        length_unit="model", atoms=atoms, parameters=params, magnetic_moments=moments,
    )


def rashba_insulator(t=0.05, rashba=0.5, b=1.5, mass_term=0.5, lattice_constant=1.0, c=None):
    r"""Gapped lattice Rashba--Zeeman model (an insulator at half filling).

    H(k) = -2t (cos k_x a + cos k_y a) + rashba (sin k_y a sigma_x - sin k_x a sigma_y)
           + [b + mass_term (cos k_x a + cos k_y a)] sigma_z.

    With |d(k)| >= |b| - 2|mass_term| for the sigma part, the bands are separated by a
    gap of at least 2(|b| - 2|mass_term| - 4|t|) when that is positive (defaults: 0.6),
    so half filling (one band of two) is an insulator.  The k-dependent mass makes the
    spin texture wind along each k line (without it, a nearest-neighbour two-band
    model has a d-vector that only retraces a segment and alpha vanishes identically);
    it keeps the magnetic point group 4m'm' of the Rashba ferromagnet, and |b| > 2|mass_term|
    makes the band topologically trivial.  Used for the insulator relation, Eq. (4).
    """
    t, lam, b, mz = float(t), float(rashba), float(b), float(mass_term)
    a = float(lattice_constant)
    c = 10 * a if c is None else float(c)
    H = Hoppings(2)
    H.onsite(0, 0, b)
    H.onsite(1, 1, -b)
    for R, rx, ry in (((1, 0, 0), 0.0, -lam), ((0, 1, 0), lam, 0.0)):
        # -2t cos = t (2 - 2cos) - 2t : kinetic coefficient t, then remove the on-site 2t
        _add_axis_terms(H, R, t, rx, ry)
        for s in range(2):
            H.onsite(s, s, -2 * t)
        # mass_term cos(k.R) sigma_z
        H.hop(0, 0, R, mz / 2)
        H.hop(1, 1, R, -mz / 2)
    atoms, moments = _structure(c, b)
    params = dict(t=t, rashba=lam, b=b, mass_term=mz, lattice_constant=a)
    return TightBinding(
        name="rashba-insulator", real_lattice=np.diag([a, a, c]), orbitals=_spin_orbitals(),
        hoppings=H.as_dict(), periodic=(True, True, False), energy_unit="model",
        length_unit="model", atoms=atoms, parameters=params, magnetic_moments=moments,
    )


def continuum_bands(k, b=0.5, alpha=1.0, mass=1.0):
    """Closed-form bands (eps_-, eps_+) of Eq. (22) at |k| (array), for reference."""
    k = np.asarray(k, dtype=float)
    delta = np.sqrt((alpha * k) ** 2 + b ** 2)
    return k ** 2 / (2 * mass) - delta, k ** 2 / (2 * mass) + delta
