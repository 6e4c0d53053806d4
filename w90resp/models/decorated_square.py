"""Decorated (buckled Lieb) square lattice, point group C4v.

Koyama, Koretsune and Hattori (FCIM paper), Eqs. (36)-(39), parameters in the caption
of Fig. 3 (eps_s = -2, eps_pxy = 0, eps_pz = 0.6, t = 0.5, t' = 0.2, t_z = 0.1,
t~_z = 0.1, t~ = 0.2, lambda_SO = 0.4, lattice constant 1).

Sites: p orbitals on sublattice l = 0 at the corner (0, 0, 0); s orbitals on the bond
centres, l = 1 at (a/2, 0, h) and l = 2 at (0, a/2, h), raised by h out of plane (the
buckling that makes the group C4v; its value enters only the structure used for the
symmetry search and the out-of-plane position operator, default h = 0.1 a).

Correction to the printed Eq. (39): its first line reads
``t(p_{i,x}^dag p_{i+a1,x} + p_{i,y}^dag p_{i+a1,y})`` and the second
``-t'(p_{i,x}^dag p_{i+a2,x} + p_{i,y}^dag p_{i+a1,y})``, which gives p_y a hopping
along a1 twice and none along a2, breaking the C4 rotation.  We use the sigma bond
``+t`` for p_x along a1 and p_y along a2, and the pi bond ``-t'`` for p_x along a2 and
p_y along a1 (the only C4-symmetric reading; tests check C4v and time reversal).

Basis (Wannier90 order, spin interlaced): site 0 p (pz, px, py) x (up, down), then
s1 (up, down), s2 (up, down): 10 orbitals.
"""
import numpy as np

from ..operators import orbital_angular_momentum, SPIN
from ..orbitals import expand_shells
from ..tb import TightBinding
from ._build import Hoppings

DEFAULTS = dict(eps_s=-2.0, eps_pxy=0.0, eps_pz=0.6, t=0.5, tp=0.2, tz=0.1, tz_tilde=0.1,
                t_tilde=0.2, lambda_so=0.4, buckling=0.1, c=10.0)


def decorated_square(**params):
    """Build the C4v decorated square lattice (energies in model units, a = 1).

    Keyword arguments override ``DEFAULTS`` (``tp`` is t', ``tz_tilde`` is t~_z,
    ``t_tilde`` is t~, ``c`` the out-of-plane cell length used only for structure).
    """
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown parameters {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    p = dict(DEFAULTS, **params)
    a, h, c = 1.0, p["buckling"], p["c"]
    lattice = np.diag([a, a, c])
    sites = [
        (0, "A", (0, 0, 0), ["p"]),
        (1, "B", (a / 2, 0, h), ["s"]),
        (2, "B", (0, a / 2, h), ["s"]),
    ]
    orbs = expand_shells(sites, spinors=True)
    index = {(o.site, o.orbital, o.spin): i for i, o in enumerate(orbs)}
    H = Hoppings(len(orbs))

    def I(site, orb, s):
        return index[(site, orb, s)]

    spins = ("up", "down")
    # Eq. (37): on-site levels
    for s in spins:
        H.onsite(I(0, "px", s), I(0, "px", s), p["eps_pxy"])
        H.onsite(I(0, "py", s), I(0, "py", s), p["eps_pxy"])
        H.onsite(I(0, "pz", s), I(0, "pz", s), p["eps_pz"])
        H.onsite(I(1, "s", s), I(1, "s", s), p["eps_s"])
        H.onsite(I(2, "s", s), I(2, "s", s), p["eps_s"])
    # Eq. (38): lambda_SO L.S on the p shell (orbital x spin, interlaced order)
    L = orbital_angular_momentum("p")
    LS = sum(np.kron(L[i], SPIN[i]) for i in range(3))
    pidx = [I(0, o, s) for o in ("pz", "px", "py") for s in spins]
    H.onsite_matrix(pidx, p["lambda_so"] * LS)
    # Eq. (39), with the C4-symmetric reading of its first two lines (module docstring)
    a1, a2 = (1, 0, 0), (0, 1, 0)
    m1, m2 = (-1, 0, 0), (0, -1, 0)
    for s in spins:
        H.hop(I(0, "px", s), I(0, "px", s), a1, p["t"])
        H.hop(I(0, "py", s), I(0, "py", s), a2, p["t"])
        H.hop(I(0, "px", s), I(0, "px", s), a2, -p["tp"])
        H.hop(I(0, "py", s), I(0, "py", s), a1, -p["tp"])
        H.hop(I(0, "pz", s), I(0, "pz", s), a1, -p["tz"])
        H.hop(I(0, "pz", s), I(0, "pz", s), a2, -p["tz"])
        for site, R in ((1, (0, 0, 0)), (2, (0, 0, 0)), (1, m1), (2, m2)):
            H.hop(I(0, "pz", s), I(site, "s", s), R, -p["tz_tilde"])
        H.hop(I(0, "px", s), I(1, "s", s), (0, 0, 0), -p["t_tilde"])
        H.hop(I(0, "px", s), I(1, "s", s), m1, +p["t_tilde"])
        H.hop(I(0, "py", s), I(2, "s", s), (0, 0, 0), -p["t_tilde"])
        H.hop(I(0, "py", s), I(2, "s", s), m2, +p["t_tilde"])
    atoms = [(site[1], np.array(site[2], float)) for site in sites]
    return TightBinding(
        name="decorated-square", real_lattice=lattice, orbitals=orbs, hoppings=H.as_dict(),
        periodic=(True, True, False), energy_unit="model", length_unit="a",
        atoms=atoms, parameters=p,
    )
