"""Operator algebra against the FCIM paper's explicit matrices and angular-momentum algebra."""
import numpy as np
import pytest

from w90resp.operators import (orbital_angular_momentum, quadrupoles, SPIN, ORBITAL_ORDER,
                               onsite_operators, lambda_to_cartesian, cartesian_to_lambda,
                               QUADRUPOLE_POLYNOMIALS)
from w90resp.orbitals import expand_shells

S3, S7 = np.sqrt(3), np.sqrt(7)


def _sym(n, entries):
    """Real symmetric matrix from {(i, j): value} given once per pair (i<=j)."""
    m = np.zeros((n, n))
    for (i, j), v in entries.items():
        m[i, j] += v
        if i != j:
            m[j, i] += v
    return m


# FCIM paper Eqs. (40)-(44), p shell in Wannier90 order (pz, px, py) = indices (0, 1, 2)
PZ, PX, PY = 0, 1, 2
PAPER_P = [
    _sym(3, {(PX, PX): 1, (PY, PY): -1}),                               # (40)
    _sym(3, {(PZ, PZ): 2 / S3, (PX, PX): -1 / S3, (PY, PY): -1 / S3}),  # (41)
    _sym(3, {(PX, PY): 1}),                                             # (42)
    _sym(3, {(PY, PZ): 1}),                                             # (43)
    _sym(3, {(PZ, PX): 1}),                                             # (44)
]
# FCIM paper App. C, Eqs. (C1)-(C5), d shell in order (dz2, dxz, dyz, dx2-y2, dxy)
Z2, XZ, YZ, X2, XY = range(5)
PAPER_D = [
    _sym(5, {(Z2, X2): -2, (YZ, YZ): -S3, (XZ, XZ): S3}) / S7,                               # (C1)
    _sym(5, {(Z2, Z2): 2, (X2, X2): -2, (YZ, YZ): 1, (XZ, XZ): 1, (XY, XY): -2}) / S7,       # (C2)
    _sym(5, {(Z2, XY): -2, (YZ, XZ): S3}) / S7,                                              # (C3)
    _sym(5, {(Z2, YZ): 1, (X2, YZ): -S3, (XZ, XY): S3}) / S7,                                # (C4)
    _sym(5, {(Z2, XZ): 1, (X2, XZ): S3, (YZ, XY): S3}) / S7,                                 # (C5)
]


@pytest.mark.parametrize("shell,paper", [("p", PAPER_P), ("d", PAPER_D)])
def test_quadrupoles_reproduce_paper(shell, paper):
    Q = quadrupoles(shell)
    np.testing.assert_allclose(Q, np.array(paper), atol=1e-14)


@pytest.mark.parametrize("shell", ["s", "p", "d"])
def test_angular_momentum_algebra(shell):
    L = orbital_angular_momentum(shell)
    l = {"s": 0, "p": 1, "d": 2}[shell]
    eps = np.zeros((3, 3, 3))
    eps[0, 1, 2] = eps[1, 2, 0] = eps[2, 0, 1] = 1
    eps[0, 2, 1] = eps[2, 1, 0] = eps[1, 0, 2] = -1
    for a in range(3):
        for b in range(3):
            comm = L[a] @ L[b] - L[b] @ L[a]
            np.testing.assert_allclose(comm, 1j * np.einsum("c,cij->ij", eps[a, b], L), atol=1e-14)
        np.testing.assert_allclose(L[a], L[a].conj().T, atol=1e-14)
    np.testing.assert_allclose(np.einsum("aij,ajk->ik", L, L), l * (l + 1) * np.eye(2 * l + 1), atol=1e-13)
    # real orbitals: L is purely imaginary
    assert np.abs(L.real).max() < 1e-14


def test_p_shell_L_is_cartesian_cross_product():
    """For p orbitals |x>,|y>,|z>: (L_a)_{bc} = -i eps_abc; check in Wannier90 order."""
    L = orbital_angular_momentum("p")
    cart = {"px": 0, "py": 1, "pz": 2}
    order = [cart[o] for o in ORBITAL_ORDER["p"]]
    eps = np.zeros((3, 3, 3))
    eps[0, 1, 2] = eps[1, 2, 0] = eps[2, 0, 1] = 1
    eps[0, 2, 1] = eps[2, 1, 0] = eps[1, 0, 2] = -1
    expected = -1j * eps[:, order][:, :, order]
    np.testing.assert_allclose(L, expected, atol=1e-14)


@pytest.mark.parametrize("shell", ["p", "d"])
def test_quadrupole_normalization_and_polynomial_transformation(shell):
    Q = quadrupoles(shell)
    gram = np.einsum("aij,bji->ab", Q, Q).real
    np.testing.assert_allclose(gram, 2 * np.eye(5), atol=1e-13)
    # rotating the orbitals by exp(-i theta L_z) rotates Q like the polynomials
    L = orbital_angular_momentum(shell)
    theta = 0.37
    w, v = np.linalg.eigh(L[2])
    U = v @ np.diag(np.exp(-1j * theta * w)) @ v.conj().T
    R = np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]])
    B = QUADRUPOLE_POLYNOMIALS
    D = np.einsum("lij,mij->ml", np.einsum("ia,lab,jb->lij", R, B, R), B) / 2
    rotated = np.einsum("ij,ljk,kn->lin", U, Q, U.conj().T)
    np.testing.assert_allclose(rotated, np.einsum("ml,mij->lij", D, Q), atol=1e-12)


def test_spin_operators():
    for a in range(3):
        np.testing.assert_allclose(np.linalg.eigvalsh(SPIN[a]), [-0.5, 0.5], atol=1e-15)
    np.testing.assert_allclose(SPIN[0] @ SPIN[1] - SPIN[1] @ SPIN[0], 1j * SPIN[2], atol=1e-15)


def test_onsite_operators_block_structure():
    sites = [(0, "Mo", (0, 0, 0), ["d"]), (1, "S", (1, 0, 0), ["p"])]
    for order in ("interlaced", "block"):
        orbs = expand_shells(sites, spinors=True, spin_order=order)
        ops = onsite_operators(orbs, quadrupole_sites=lambda o: o.species == "Mo")
        nw = len(orbs)
        assert nw == 16
        mo = [i for i, o in enumerate(orbs) if o.species == "Mo"]
        s = [i for i, o in enumerate(orbs) if o.species == "S"]
        assert np.abs(ops["Q"][:, s][:, :, s]).max() == 0
        assert np.abs(ops["Q"][:, mo][:, :, mo]).max() > 0
        # total angular momentum J = L + S commutes with L.S on each shell
        J = ops["L"] + ops["S"]
        LS = np.einsum("aij,ajk->ik", ops["L"], ops["S"])
        for a in range(3):
            np.testing.assert_allclose(J[a] @ LS - LS @ J[a], 0, atol=1e-13)
        # spin-1/2 algebra and L^2 = l(l+1) on each shell
        S2 = np.einsum("aij,ajk->ik", ops["S"], ops["S"])
        np.testing.assert_allclose(S2, 0.75 * np.eye(nw), atol=1e-13)
        L2 = np.einsum("aij,ajk->ik", ops["L"], ops["L"])
        np.testing.assert_allclose(np.diag(L2).real, [6 if o.shell == "d" else 2 for o in orbs])


def test_lambda_cartesian_roundtrip():
    x = np.random.default_rng(0).normal(size=(4, 3, 3, 5))
    c = lambda_to_cartesian(x)
    np.testing.assert_allclose(c, np.swapaxes(c, -1, -2))
    np.testing.assert_allclose(np.trace(c, axis1=-2, axis2=-1), 0, atol=1e-14)
    np.testing.assert_allclose(cartesian_to_lambda(c), x, atol=1e-14)
