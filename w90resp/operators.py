"""On-site operator algebra: orbital order, L, S and electric quadrupoles Q.

Conventions (fixed once for the whole package)
----------------------------------------------
* Real orbitals in Wannier90's order (Wannier90 User Guide, Table 3.1):
  ``s``; p = (pz, px, py); d = (dz2, dxz, dyz, dx2-y2, dxy).  Each real orbital is a
  *positive* multiple of its polynomial (z, x, y; 3z^2-r^2, xz, yz, x^2-y^2, xy).
* Orbital angular momentum ``L`` in units of hbar (hbar = 1), built from the complex
  spherical-harmonic basis |l, m> (Condon-Shortley phase) and rotated to the real basis.
* Spin ``S = sigma / 2`` (hbar = 1), spin index order (up, down).
* Electric quadrupoles, lambda in the order ``LAMBDAS`` = (x2-y2, 3z2-r2, xy, yz, xz)
  of Koyama, Koretsune and Hattori (FCIM paper, Eqs. (6)-(7), (40)-(44), App. C):
  within a shell, Q_lambda is the symmetric traceless (Stevens-type) combination of L

      Q_x2-y2 ~ Lx^2 - Ly^2,    Q_3z2-r2 ~ (3 Lz^2 - L^2)/sqrt(3),
      Q_xy ~ {Lx, Ly},  Q_yz ~ {Ly, Lz},  Q_xz ~ {Lx, Lz},

  with one common factor per shell fixed by Tr[Q_lambda Q_lambda'] = 2 delta (the
  paper's normalization, Sec. III) and by the sign that makes Q_lambda the charge
  quadrupole, i.e. <m=0|Q_3z2-r2|m=0> > 0.  The five Q_lambda therefore transform
  like the polynomials x^2-y^2, (3z^2-r^2)/sqrt(3), 2xy, 2yz, 2xz (an orthogonal
  representation of O(3); see ``QUADRUPOLE_POLYNOMIALS``).  This reproduces the p-shell
  matrices (40)-(44) and the d-shell matrices (C1)-(C5) of the paper exactly (tests).

Per-Wannier-function metadata lives in :class:`w90resp.orbitals.Orbital`;
:func:`onsite_operators` assembles system-wide on-site matrices from it.
"""
import numpy as np

LAMBDAS = ("x2-y2", "3z2-r2", "xy", "yz", "xz")
LAMBDA_LATEX = (r"x^2-y^2", r"3z^2-r^2", r"xy", r"yz", r"xz")

SHELL_L = {"s": 0, "p": 1, "d": 2}

#: Wannier90's real-orbital order for each shell.
ORBITAL_ORDER = {
    "s": ("s",),
    "p": ("pz", "px", "py"),
    "d": ("dz2", "dxz", "dyz", "dx2-y2", "dxy"),
}

#: Cartesian symmetric matrices B with p(r) = r^T B r for each lambda, in LAMBDAS order.
#: All have the same Frobenius norm sqrt(2); Q_lambda transforms like these polynomials.
QUADRUPOLE_POLYNOMIALS = np.array([
    [[1, 0, 0], [0, -1, 0], [0, 0, 0]],
    np.array([[-1, 0, 0], [0, -1, 0], [0, 0, 2]]) / np.sqrt(3),
    [[0, 1, 0], [1, 0, 0], [0, 0, 0]],
    [[0, 0, 0], [0, 0, 1], [0, 1, 0]],
    [[0, 0, 1], [0, 0, 0], [1, 0, 0]],
], dtype=float)

PAULI = np.array([
    [[0, 1], [1, 0]],
    [[0, -1j], [1j, 0]],
    [[1, 0], [0, -1]],
], dtype=complex)

#: Spin operator S = sigma/2 (hbar = 1), basis (up, down).
SPIN = PAULI / 2


def _complex_L(l):
    """L_x, L_y, L_z in the complex basis |l, m>, m = -l..l (Condon-Shortley)."""
    m = np.arange(-l, l + 1)
    dim = 2 * l + 1
    lp = np.zeros((dim, dim), dtype=complex)  # L+ |m> = sqrt(l(l+1)-m(m+1)) |m+1>
    for i in range(dim - 1):
        lp[i + 1, i] = np.sqrt(l * (l + 1) - m[i] * (m[i] + 1))
    lm = lp.conj().T
    return np.array([(lp + lm) / 2, (lp - lm) / 2j, np.diag(m).astype(complex)])


def _real_from_complex(l):
    """Unitary T with |real_i> = sum_m T[m, i] |l, m>, columns in Wannier90 order.

    cos-type (m>0): (|-m> + (-1)^m |m>)/sqrt(2); sin-type: i(|-m> - (-1)^m |m>)/sqrt(2).
    With the Condon-Shortley phase these are positive multiples of cos(m phi), sin(m phi).
    """
    dim = 2 * l + 1
    idx = {m: m + l for m in range(-l, l + 1)}

    def cos_m(m):
        v = np.zeros(dim, dtype=complex)
        if m == 0:
            v[idx[0]] = 1
        else:
            v[idx[-m]] = 1 / np.sqrt(2)
            v[idx[m]] = (-1) ** m / np.sqrt(2)
        return v

    def sin_m(m):
        v = np.zeros(dim, dtype=complex)
        v[idx[-m]] = 1j / np.sqrt(2)
        v[idx[m]] = -1j * (-1) ** m / np.sqrt(2)
        return v

    if l == 0:
        cols = [cos_m(0)]
    elif l == 1:  # pz, px, py
        cols = [cos_m(0), cos_m(1), sin_m(1)]
    elif l == 2:  # dz2, dxz, dyz, dx2-y2, dxy
        cols = [cos_m(0), cos_m(1), sin_m(1), cos_m(2), sin_m(2)]
    else:
        raise ValueError(f"shells with l = {l} are not supported (s, p, d only)")
    return np.array(cols).T


def orbital_angular_momentum(shell):
    """L = (Lx, Ly, Lz) for ``shell`` in {'s','p','d'}, real Wannier90 basis, hbar = 1.

    Returns an array of shape (3, 2l+1, 2l+1); the matrices are purely imaginary.
    """
    l = SHELL_L[shell]
    if l == 0:
        return np.zeros((3, 1, 1), dtype=complex)
    T = _real_from_complex(l)
    Lc = _complex_L(l)
    return np.einsum("mi,amn,nj->aij", T.conj(), Lc, T)


def quadrupoles(shell):
    """Electric quadrupoles Q_lambda (5, 2l+1, 2l+1) of ``shell`` in LAMBDAS order.

    Normalized to Tr[Q_lambda Q_lambda'] = 2 delta (FCIM paper, Sec. III) with the
    charge-quadrupole sign; zero for s shells.  Reproduces FCIM paper Eqs. (40)-(44)
    (p shell) and (C1)-(C5) (d shell).
    """
    l = SHELL_L[shell]
    dim = 2 * l + 1
    if l == 0:
        return np.zeros((5, 1, 1), dtype=complex)
    Lx, Ly, Lz = orbital_angular_momentum(shell)
    L2 = Lx @ Lx + Ly @ Ly + Lz @ Lz

    def anti(a, b):
        return a @ b + b @ a

    stevens = np.array([
        Lx @ Lx - Ly @ Ly,
        (3 * Lz @ Lz - L2) / np.sqrt(3),
        anti(Lx, Ly),
        anti(Ly, Lz),
        anti(Lx, Lz),
    ])
    norm = np.sqrt(np.trace(stevens[1] @ stevens[1]).real / 2)
    # charge-quadrupole sign: the m = 0 orbital (first in Wannier90 order) is elongated along z
    sign = np.sign(stevens[1][0, 0].real)
    Q = stevens * (sign * 1.0 / norm)
    # all five have the same norm by the Wigner-Eckart theorem; remove round-off
    Q[np.abs(Q) < 1e-14] = 0
    assert Q.shape == (5, dim, dim)
    return Q


def orbital_index(shell, orbital):
    """Position of real orbital ``orbital`` within ``shell`` in Wannier90 order."""
    try:
        return ORBITAL_ORDER[shell].index(orbital)
    except (KeyError, ValueError):
        raise ValueError(f"unknown orbital '{orbital}' for shell '{shell}'; "
                         f"known: {ORBITAL_ORDER.get(shell)}") from None


SPIN_INDEX = {"up": 0, "down": 1}


def onsite_operators(orbitals, quadrupole_sites=None):
    """System-wide on-site operators from per-Wannier-function metadata.

    Parameters
    ----------
    orbitals : sequence of :class:`w90resp.orbitals.Orbital`
    quadrupole_sites : callable(Orbital) -> bool, optional
        Which shells carry Q_lambda (default: every p and d shell).  The FCIM paper
        keeps Q only on the Mo d shell for MoS2 / MoSSe (Sec. III B, App. C).

    Returns
    -------
    dict with ``'L'`` (3, nw, nw), ``'S'`` (3, nw, nw) and ``'Q'`` (5, nw, nw), complex.
    Matrix elements connect Wannier functions of the same site and shell only:
    L and Q are diagonal in spin, S is diagonal in the real orbital.  For spinless
    systems (spin 'none') S is zero.
    """
    nw = len(orbitals)
    L = np.zeros((3, nw, nw), dtype=complex)
    S = np.zeros((3, nw, nw), dtype=complex)
    Q = np.zeros((5, nw, nw), dtype=complex)
    if quadrupole_sites is None:
        def quadrupole_sites(o):
            return o.shell in ("p", "d")
    Lsh = {sh: orbital_angular_momentum(sh) for sh in SHELL_L}
    Qsh = {sh: quadrupoles(sh) for sh in SHELL_L}
    for i, oi in enumerate(orbitals):
        for j, oj in enumerate(orbitals):
            if oi.site != oj.site or oi.shell != oj.shell:
                continue
            a = orbital_index(oi.shell, oi.orbital)
            b = orbital_index(oj.shell, oj.orbital)
            if oi.spin == oj.spin:
                L[:, i, j] = Lsh[oi.shell][:, a, b]
                if quadrupole_sites(oi):
                    Q[:, i, j] = Qsh[oi.shell][:, a, b]
            if a == b and oi.spin in SPIN_INDEX and oj.spin in SPIN_INDEX:
                S[:, i, j] = SPIN[:, SPIN_INDEX[oi.spin], SPIN_INDEX[oj.spin]]
    return {"L": L, "S": S, "Q": Q}


def lambda_to_cartesian(values, axis=-1):
    """Map a lambda-indexed array (5 along ``axis``) to a Cartesian (3,3) pair.

    Uses the orthonormal polynomial basis B_lambda/sqrt(2), so that rotating the
    Cartesian pair as T -> R T R^T is the same as rotating the lambda index.
    """
    values = np.moveaxis(np.asarray(values), axis, -1)
    B = QUADRUPOLE_POLYNOMIALS / np.sqrt(2)
    return np.einsum("...l,lij->...ij", values, B)


def cartesian_to_lambda(values):
    """Inverse of :func:`lambda_to_cartesian` for the last two (3,3) axes."""
    B = QUADRUPOLE_POLYNOMIALS / np.sqrt(2)
    return np.einsum("...ij,lij->...l", np.asarray(values), B)
