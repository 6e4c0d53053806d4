"""Independent construction of symmetry representations D(g) on a tight-binding basis.

Used by model tests: a point operation g (3x3 Cartesian, proper or improper) maps the
orbital at tau_j to an orbital at g tau_j (mod lattice); real p orbitals rotate as polar
vectors, real d orbitals like the quadrupole polynomials, spin by the SU(2) matrix of the
proper part.  With orbital positions in the Bloch phase, H(g k) = D H(k) D^dagger.
"""
import numpy as np
from scipy.spatial.transform import Rotation

from w90resp.operators import QUADRUPOLE_POLYNOMIALS, PAULI

P_CART = {"px": 0, "py": 1, "pz": 2}
# real d orbitals are a common multiple of the polynomials in QUADRUPOLE_POLYNOMIALS
D_POLY = {"dx2-y2": 0, "dz2": 1, "dxy": 2, "dyz": 3, "dxz": 4}


def orbital_rotation(shell, g):
    """Matrix O with g|orbital_b> = sum_a O[a, b] |orbital_a> in the named-orbital basis."""
    if shell == "s":
        return {("s", "s"): 1.0}
    if shell == "p":
        return {(a, b): g[P_CART[a], P_CART[b]] for a in P_CART for b in P_CART}
    B = QUADRUPOLE_POLYNOMIALS
    rot = np.einsum("ia,lab,jb->lij", g, B, g)
    Dm = np.einsum("lij,mij->ml", rot, B) / 2
    return {(a, b): Dm[D_POLY[a], D_POLY[b]] for a in D_POLY for b in D_POLY}


def spin_rotation(g):
    proper = g * np.sign(np.linalg.det(g))
    rv = Rotation.from_matrix(proper).as_rotvec()
    n = np.linalg.norm(rv)
    if n < 1e-12:
        return np.eye(2, dtype=complex)
    axis = rv / n
    sn = np.einsum("a,aij->ij", axis, PAULI)
    return np.cos(n / 2) * np.eye(2) - 1j * np.sin(n / 2) * sn


def representation(tb, g):
    """D(g) (nw, nw) on the orbitals of ``tb``; raises if g does not map sites to sites."""
    g = np.asarray(g, dtype=float)
    inv_lat = np.linalg.inv(tb.real_lattice)
    orbs = tb.orbitals
    nw = len(orbs)
    D = np.zeros((nw, nw), dtype=complex)
    U = spin_rotation(g)
    sidx = {"up": 0, "down": 1}
    for j, oj in enumerate(orbs):
        target = g @ oj.position
        found = False
        for i, oi in enumerate(orbs):
            if oi.species != oj.species or oi.shell != oj.shell:
                continue
            d = (target - oi.position) @ inv_lat
            periodic = np.array(tb.periodic)
            if np.abs(d[~periodic]).max(initial=0) > 1e-6 or np.abs(d - np.round(d))[periodic].max() > 1e-6:
                continue
            found = True
            orb = orbital_rotation(oi.shell, g)[(oi.orbital, oj.orbital)]
            if oi.spin == "none":
                spin = 1.0 if oj.spin == "none" else 0.0
            else:
                spin = U[sidx[oi.spin], sidx[oj.spin]]
            D[i, j] = orb * spin
        if not found:
            raise ValueError(f"operation does not map orbital {j} onto the structure")
    return D


def time_reversal(tb):
    """Unitary part T of the antiunitary time reversal Theta = T K (spin: i sigma_y)."""
    nw = tb.num_wann
    T = np.zeros((nw, nw), dtype=complex)
    isy = 1j * PAULI[1]
    sidx = {"up": 0, "down": 1}
    for i, oi in enumerate(tb.orbitals):
        for j, oj in enumerate(tb.orbitals):
            if (oi.site, oi.orbital) != (oj.site, oj.orbital):
                continue
            if oi.spin == "none":
                T[i, j] = 1.0
            else:
                T[i, j] = isy[sidx[oi.spin], sidx[oj.spin]]
    return T


def rotation_z(n):
    t = 2 * np.pi / n
    return np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])


def mirror(normal):
    n = np.asarray(normal, dtype=float)
    n /= np.linalg.norm(n)
    return np.eye(3) - 2 * np.outer(n, n)


def check_symmetry(tb, g, kred, atol=1e-10):
    """max |H(gk) - D H(k) D^dagger| over the reduced k-points ``kred``."""
    D = representation(tb, g)
    kcart = kred @ tb.recip_lattice
    gk = (kcart @ g.T) @ np.linalg.inv(tb.recip_lattice)
    H = tb.hamiltonian(kred)
    Hg = tb.hamiltonian(gk)
    return np.abs(Hg - D @ H @ D.conj().T).max()


def check_time_reversal(tb, kred):
    T = time_reversal(tb)
    H = tb.hamiltonian(kred)
    Hm = tb.hamiltonian(-kred)
    return np.abs(Hm - T @ H.conj() @ T.conj().T).max()
