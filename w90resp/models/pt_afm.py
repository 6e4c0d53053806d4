r"""A 2D PT-symmetric antiferromagnetic bilayer (CrI3-bilayer-like), group 2/m' with C2y.

Purpose: the intrinsic orbital magnetoelectric / magnetothermal response of Xiao et al.,
PRB 103, 045401 (2021), Sec. IV, in a small model with the symmetry of their bilayer
CrI3 example: P and T are broken, PT is kept (so the intrinsic response is the only
one, Table I), and a two-fold axis C2y leaves only chi_x, alpha_x.

Structure (energies in eV, lengths in Angstrom).  Rectangular lattice a1 = (ax, 0, 0),
a2 = (0, ay, 0) (c only for the structure file).  One magnetic site per layer:

    top    T at ( s/2, 0, +d/2),   moment +m z,
    bottom B at (-s/2, 0, -d/2),   moment -m z     (monoclinic stacking shift s along x).

Inversion about the origin and C2y: (x, y, z) -> (-x, y, -z) both exchange T and B; the
nonmagnetic group is 2/m (C2y, I, M_y).  Each site carries one spinful s-like orbital
(spin interlaced: T up, T down, B up, B down).

Hamiltonian.
* intralayer hopping tx, ty along a1, a2, and t2 along a1 +- a2 (same on both layers);
* spin-orbit coupling on every intralayer bond d (unit vector d^):
  i s_l (-lam d^_y sigma_x + lam2 d^_x sigma_y + lamz d^_y sigma_z), s_T = +1, s_B = -1.
  This is the most general form allowed by the site symmetry M_y of each layer (a site
  of a layer lacks inversion; I maps one layer onto the other, hence s_B = -s_T); lam2 = lam
  is the isotropic Rashba term.  The anisotropy and lamz matter: with pure Rashba and a
  z Neel vector the model has an extra (spin-space) symmetry that makes chi vanish;
* no spin-orbit coupling on the interlayer bonds: their midpoints are inversion centres,
  where P and T together forbid it;
* interlayer hopping from T to the B sites displaced by (-s, 0, -d) and (ax - s, 0, -d):
  tp1, tp2 (spin independent);
* exchange J sigma_z on T and -J sigma_z on B (Neel vector along z).  ``Jb`` overrides
  the bottom exchange (e.g. Jb = J: ferromagnetic bilayer, inversion kept, PT broken).

Symmetry.  I maps T <-> B keeping spin: it would need J_B = +J, so the exchange breaks
it; T breaks it too; PT, C2y (rotating sigma_z -> -sigma_z and T <-> B) and M_y T remain:
magnetic group 2/m' (unique axis y).  chi_{z i} (axial x polar, I-odd, T-odd) is then
allowed only for i = x.  PT with (PT)^2 = -1 makes every band doubly degenerate.

Defaults: an insulator with two PT-doubled bands below a gap [about -0.005, 0.17] eV and
two above; bands span about [-1.6, 1.6] eV.

``magnetic_moments`` is set (+z on T, -z on B) so that the runner's spglib symmetry is the
magnetic group above.
"""
import numpy as np

from ..operators import SPIN
from ..orbitals import Orbital
from ..tb import TightBinding
from ._build import Hoppings

DEFAULTS = dict(ax=3.9, ay=3.4, s=0.9, d=3.2, c=20.0,
                tx=-0.20, ty=-0.14, t2=0.03, lam=0.08, lam2=0.05, lamz=0.06, tp1=0.15,
                tp2=0.05, J=0.8, Jb=None,
                eps=0.0, moment=3.0)

PAULI = {"x": 2 * np.asarray(SPIN[0]), "y": 2 * np.asarray(SPIN[1]), "z": 2 * np.asarray(SPIN[2])}


def pt_afm(**params):
    """Build the PT-symmetric AFM bilayer (see module docstring for the parameters)."""
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown parameters {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    p = dict(DEFAULTS, **params)
    ax, ay, s, d, c = p["ax"], p["ay"], p["s"], p["d"], p["c"]
    lattice = np.diag([ax, ay, c])
    pos_T = np.array([s / 2, 0.0, d / 2])
    pos_B = np.array([-s / 2, 0.0, -d / 2])
    orbs = [Orbital(0, "Cr", pos_T, "s", "s", spin="up"), Orbital(0, "Cr", pos_T, "s", "s", spin="down"),
            Orbital(1, "Cr", pos_B, "s", "s", spin="up"), Orbital(1, "Cr", pos_B, "s", "s", spin="down")]
    H = Hoppings(4)
    sx, sy, sz = PAULI["x"], PAULI["y"], PAULI["z"]
    eye = np.eye(2)
    Jb = -p["J"] if p["Jb"] is None else p["Jb"]
    layers = {0: (slice(0, 2), +1.0, +p["J"]), 1: (slice(2, 4), -1.0, Jb)}

    def hop_block(i0, j0, R, mat):
        for a in range(2):
            for b in range(2):
                if mat[a, b] != 0:
                    H.hop(i0 + a, j0 + b, R, mat[a, b])

    for layer, (sl, sign, J) in layers.items():
        i0 = sl.start
        H.onsite_matrix([i0, i0 + 1], p["eps"] * eye + J * sz)
        bonds = [((1, 0, 0), p["tx"]), ((0, 1, 0), p["ty"]),
                 ((1, 1, 0), p["t2"]), ((1, -1, 0), p["t2"])]
        for R, t in bonds:
            dvec = np.array(R[:2], float) * np.array([ax, ay])
            dhat = dvec / np.linalg.norm(dvec)
            soc = 1j * sign * (-p["lam"] * dhat[1] * sx + p["lam2"] * dhat[0] * sy
                               + p["lamz"] * dhat[1] * sz)
            hop_block(i0, i0, R, t * eye + soc)
    # interlayer: T (cell 0) -> B in cell 0 (displacement (-s, 0, -d)) and cell +a1
    hop_block(0, 2, (0, 0, 0), p["tp1"] * eye)
    hop_block(0, 2, (1, 0, 0), p["tp2"] * eye)
    # both bonds are mapped onto themselves (up to a lattice translation) by I and C2y
    atoms = [("Cr", pos_T), ("Cr", pos_B)]
    m = p["moment"]
    mb = -m if p["Jb"] is None else m * np.sign(Jb) * (1 if p["J"] >= 0 else -1)
    return TightBinding(name="pt-afm", real_lattice=lattice, orbitals=orbs, hoppings=H.as_dict(),
                        periodic=(True, True, False), energy_unit="eV", length_unit="Angstrom",
                        atoms=atoms, parameters=p, magnetic_moments=[[0, 0, m], [0, 0, mb]])
