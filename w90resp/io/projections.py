"""Wannier90 projection functions in the pure real s/p/d basis of their site.

Every projection Wannier90 accepts for l <= 2 -- the real harmonics, the hybrids sp, sp2,
sp3, sp3d, sp3d2 and any of them in a local frame given by ``z=`` / ``x=`` -- is a real
linear combination of the nine real orbitals of one site,

    PURE = (s; pz, px, py; dz2, dxz, dyz, dx2-y2, dxy)      (Wannier90 order, Table 3.1),

and is stored here as a 9-vector of coefficients.  Hybrids follow Wannier90 User Guide
Table 3.2 (l = -1 .. -5, index m_r); a local frame is the rotation g whose columns are
the local x, y = z × x, z axes, and a function defined in that frame is g acting on the
function of the global frame: for the p shell the polar-vector matrix, for the d shell
the quadrupole representation (the real d orbitals are the quadrupole polynomials), the
same matrices the Hamiltonian symmetrizer uses (:func:`shell_rotation`).

:func:`pure_basis_transform` turns the Wannier functions of one site into pure orbitals
when they span a set of pure orbitals (complete hybrid sets, whole rotated shells).
"""
import numpy as np

from ..operators import ORBITAL_ORDER

#: (shell, orbital) of the nine pure real orbitals of a site, in Wannier90 order.
PURE = [(sh, o) for sh in ("s", "p", "d") for o in ORBITAL_ORDER[sh]]
_INDEX = {o: i for i, (_, o) in enumerate(PURE)}
_SHELL_SLICE = {"s": slice(0, 1), "p": slice(1, 4), "d": slice(4, 9)}

_r2, _r3, _r6, _r12 = np.sqrt(2), np.sqrt(3), np.sqrt(6), np.sqrt(12)

#: Wannier90 User Guide Table 3.2: hybrid l -> list over m_r of {orbital: coefficient}.
HYBRIDS = {
    -1: [{"s": 1 / _r2, "px": 1 / _r2},
         {"s": 1 / _r2, "px": -1 / _r2}],
    -2: [{"s": 1 / _r3, "px": -1 / _r6, "py": 1 / _r2},
         {"s": 1 / _r3, "px": -1 / _r6, "py": -1 / _r2},
         {"s": 1 / _r3, "px": 2 / _r6}],
    -3: [{"s": 0.5, "px": 0.5, "py": 0.5, "pz": 0.5},
         {"s": 0.5, "px": 0.5, "py": -0.5, "pz": -0.5},
         {"s": 0.5, "px": -0.5, "py": 0.5, "pz": -0.5},
         {"s": 0.5, "px": -0.5, "py": -0.5, "pz": 0.5}],
    -4: [{"s": 1 / _r3, "px": -1 / _r6, "py": 1 / _r2},
         {"s": 1 / _r3, "px": -1 / _r6, "py": -1 / _r2},
         {"s": 1 / _r3, "px": 2 / _r6},
         {"pz": 1 / _r2, "dz2": 1 / _r2},
         {"pz": -1 / _r2, "dz2": 1 / _r2}],
    -5: [{"s": 1 / _r6, "px": -1 / _r2, "dz2": -1 / _r12, "dx2-y2": 0.5},
         {"s": 1 / _r6, "px": 1 / _r2, "dz2": -1 / _r12, "dx2-y2": 0.5},
         {"s": 1 / _r6, "py": -1 / _r2, "dz2": -1 / _r12, "dx2-y2": -0.5},
         {"s": 1 / _r6, "py": 1 / _r2, "dz2": -1 / _r12, "dx2-y2": -0.5},
         {"s": 1 / _r6, "pz": -1 / _r2, "dz2": 1 / _r3},
         {"s": 1 / _r6, "pz": 1 / _r2, "dz2": 1 / _r3}],
}
#: hybrid names (Wannier90 spelling) -> l
HYBRID_NAMES = {"sp": -1, "sp2": -2, "sp3": -3, "sp3d": -4, "sp3d2": -5}
_L_SHELL = {0: "s", 1: "p", 2: "d"}


def state_label(l, mr):
    """Wannier90 name of the projection function (l, m_r), e.g. 'dxy', 'sp3-2'."""
    if l >= 0:
        return ORBITAL_ORDER[_L_SHELL[l]][mr - 1]
    name = {v: k for k, v in HYBRID_NAMES.items()}[l]
    return f"{name}-{mr}"


def global_coefficients(l, mr):
    """9-vector of the function (l, m_r) in the global frame (pure basis PURE)."""
    v = np.zeros(9)
    if l >= 0:
        v[_INDEX[ORBITAL_ORDER[_L_SHELL[l]][mr - 1]]] = 1.0
    else:
        for name, c in HYBRIDS[l][mr - 1].items():
            v[_INDEX[name]] = c
    return v


def local_frame(z=None, x=None, tol=1e-6):
    """Rotation g (columns: local x, y, z in Cartesian axes) of Wannier90's ``z=``/``x=``.

    Defaults are the global axes.  Raises ValueError if x is not orthogonal to z (Wannier90
    requires it) or a vector is zero.
    """
    zv = np.array([0.0, 0.0, 1.0]) if z is None else np.asarray(z, float)
    xv = np.array([1.0, 0.0, 0.0]) if x is None else np.asarray(x, float)
    nz, nx = np.linalg.norm(zv), np.linalg.norm(xv)
    if nz < tol or nx < tol:
        raise ValueError("zero-length local axis")
    zv, xv = zv / nz, xv / nx
    if abs(zv @ xv) > tol:
        raise ValueError("the local x axis is not orthogonal to the local z axis")
    yv = np.cross(zv, xv)
    return np.column_stack([xv, yv, zv])


def shell_rotation(shell, g):
    """Matrix O[a, b] with g|b> = sum_a O[a, b] |a> for the real orbitals of ``shell``
    (Wannier90 order); g is an orthogonal 3x3 matrix (improper ones allowed)."""
    from ..symmetry.neumann import quadrupole_representation
    names = ORBITAL_ORDER[shell]
    if shell == "s":
        return np.ones((1, 1))
    if shell == "p":
        cart = {"px": 0, "py": 1, "pz": 2}
        return np.array([[g[cart[a], cart[b]] for b in names] for a in names])
    poly = {"dx2-y2": 0, "dz2": 1, "dxy": 2, "dyz": 3, "dxz": 4}
    Dm = quadrupole_representation(g)
    return np.array([[Dm[poly[a], poly[b]] for b in names] for a in names])


def site_rotation(g):
    """9x9 block-diagonal rotation of the pure basis PURE (s, p, d blocks)."""
    out = np.zeros((9, 9))
    for sh, sl in _SHELL_SLICE.items():
        out[sl, sl] = shell_rotation(sh, g)
    return out


def coefficients(l, mr, frame=None):
    """9-vector of projection function (l, m_r) defined in the local ``frame``."""
    v = global_coefficients(l, mr)
    return v if frame is None else site_rotation(frame) @ v


def is_pure(vec, tol=1e-8):
    """Index into PURE if ``vec`` is (+1 times) one pure orbital, else None."""
    vec = np.asarray(vec)
    i = int(np.argmax(np.abs(vec)))
    if abs(vec[i] - 1) < tol and np.abs(np.delete(vec, i)).max() < tol:
        return i
    return None


def pure_basis_transform(vectors, tol=1e-6):
    """Pure orbitals spanned by one site's Wannier functions, and the rotation to them.

    ``vectors`` (n, 9): coefficients of the site's n projection functions.  If they span
    exactly n pure orbitals with orthonormal coefficients, returns (indices into PURE in
    Wannier90 order, M) with M (n, n) unitary and |w_j> = sum_a M[a, j] |PURE[idx[a]]>.
    Otherwise raises ValueError saying why.
    """
    V = np.asarray(vectors, float).T                     # (9, n)
    n = V.shape[1]
    rows = np.nonzero(np.abs(V).max(axis=1) > tol)[0]
    if len(rows) != n:
        names = ", ".join(PURE[i][1] for i in rows)
        raise ValueError(f"its {n} projection functions involve {len(rows)} real orbitals "
                         f"({names}); only sets that span whole pure orbitals (e.g. complete "
                         f"hybrid sets or whole rotated shells) can be labelled")
    M = V[rows]
    err = np.abs(M.T @ M - np.eye(n)).max()
    if err > tol:
        raise ValueError(f"its projection functions are not orthonormal (deviation {err:.1e})")
    return rows, M
