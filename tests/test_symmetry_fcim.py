"""FCIM Neumann analysis against Koyama, Koretsune & Hattori (Sec. II E, III A-C).

Reference tensors are built here independently of ``w90resp.symmetry.neumann``: a random
Cartesian rank-4 tensor K_{αβjk} (M_α = K_{αβjk} ∇_β ε_jk) is averaged over the group with
plain Cartesian rotations (axial first index) and contracted with the dual basis of the
strain components of the paper's Eqs. (6)-(7) and ε_xy, ε_yz, ε_xz.
"""
import itertools

import numpy as np
import pytest

from w90resp.symmetry import (ALL_HM, STRAIN_SCALE, allowed_components, analyse, check_tensor,
                              point_group_from_symbol)
from w90resp.symmetry.check import SymmetryViolation

LAM = {"x2-y2": 0, "3z2-r2": 1, "xy": 2, "yz": 3, "xz": 4}
X, Y, Z = 0, 1, 2

# The 11 centrosymmetric (Laue) crystallographic point groups (standard crystallography).
CENTROSYMMETRIC = {"-1", "2/m", "mmm", "4/m", "4/mmm", "-3", "-3m", "6/m", "6/mmm", "m-3", "m-3m"}


def rot(axis, n):
    a = np.asarray(axis, float) / np.linalg.norm(axis)
    t = 2 * np.pi / n
    K = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + np.sin(t) * K + (1 - np.cos(t)) * K @ K


def close_group(gens):
    G = [np.eye(3)]
    changed = True
    while changed:
        changed = False
        for A, B in itertools.product(list(G), gens):
            C = A @ B
            if not any(np.allclose(C, D) for D in G):
                G.append(C)
                changed = True
    return G


MX = np.diag([-1.0, 1, 1])   # mirror normal to x
MZ = np.diag([1.0, 1, -1])   # horizontal mirror
# Paper's axes: C4v of the decorated square lattice (Fig. 2a, mirrors normal to x and y);
# D3h / C3v of MoS2 / MoSSe (Fig. 4a), x normal to a vertical mirror.
GROUPS = {
    "C4v": close_group([rot([0, 0, 1], 4), MX]),
    "D3h": close_group([rot([0, 0, 1], 3), MX, MZ]),
    "C3v": close_group([rot([0, 0, 1], 3), MX]),
}

# Dual basis: ε = Σ_λ ε_λ B_λ + isotropic part, with ε_λ as defined in the paper.
B = np.zeros((5, 3, 3))
B[0] = np.diag([1, -1, 0]) / 2
B[1] = np.diag([-1, -1, 2]) / (2 * np.sqrt(3))
for lam, (i, j) in zip((2, 3, 4), ((0, 1), (1, 2), (0, 2))):
    B[lam, i, j] = B[lam, j, i] = 1.0


def symmetric_strain_tensor(G, seed=0):
    """f_{αβ}^λ (strain basis) of a random G-invariant response, computed in Cartesian form."""
    K = np.random.default_rng(seed).normal(size=(3, 3, 3, 3))
    K = K + K.transpose(0, 1, 3, 2)
    Ks = sum(np.linalg.det(R) * np.einsum("ai,bj,ck,dl,ijkl->abcd", R, R, R, R, K) for R in G) / len(G)
    return np.einsum("abjk,ljk->abl", Ks, B)


def test_strain_dual_basis():
    eps = np.random.default_rng(1).normal(size=(3, 3))
    eps = eps + eps.T
    lam = [eps[0, 0] - eps[1, 1], (2 * eps[2, 2] - eps[0, 0] - eps[1, 1]) / np.sqrt(3),
           eps[0, 1], eps[1, 2], eps[0, 2]]
    rebuilt = np.einsum("l,ljk->jk", lam, B) + np.trace(eps) / 3 * np.eye(3)
    assert np.allclose(rebuilt, eps)


def test_fcim_all_32_point_groups():
    # Sec. II E: FCIM vanishes with inversion; allowed in all 21 noncentrosymmetric groups,
    # and for each α there is at least one (β, λ) with nonzero f_{αβ}^λ.
    assert len(ALL_HM) == 32
    n_noncentro = 0
    for hm in ALL_HM:
        mask, _ = allowed_components("fcim", hm)
        assert mask.shape == (3, 3, 5)
        if hm in CENTROSYMMETRIC:
            assert not mask.any(), hm
        else:
            n_noncentro += 1
            for alpha in range(3):
                assert mask[alpha].any(), (hm, alpha)
    assert n_noncentro == 21


def _allowed_alpha_x(mask):
    return {(a, lam) for a in range(3) for lam in range(5) if mask[a, X, lam]}


def test_c4v_paper_components():
    # Sec. III A: among f_{αx}, only f_xx^{xy}, f_yx^{x2-y2}, f_yx^{3z2-r2}, f_zx^{yz}.
    expected = {(X, LAM["xy"]), (Y, LAM["x2-y2"]), (Y, LAM["3z2-r2"]), (Z, LAM["yz"])}
    mask, _ = allowed_components("fcim", "C4v")
    assert _allowed_alpha_x(mask) == expected
    ref = symmetric_strain_tensor(GROUPS["C4v"])
    assert np.array_equal(abs(ref) > 1e-9, mask)


def test_d3h_paper_components():
    # Eq. (45): f_xx^{xz} = -f_yx^{yz} and f_zx^{x2-y2} finite, the others vanish.
    expected = {(X, LAM["xz"]), (Y, LAM["yz"]), (Z, LAM["x2-y2"])}
    mask, rel = allowed_components("fcim", "D3h")
    assert _allowed_alpha_x(mask) == expected
    ref = symmetric_strain_tensor(GROUPS["D3h"])
    assert np.array_equal(abs(ref) > 1e-9, mask)
    assert np.isclose(ref[X, X, LAM["xz"]], -ref[Y, X, LAM["yz"]])
    _assert_relation_implied(rel, {(X, X, LAM["xz"]): 1.0, (Y, X, LAM["yz"]): 1.0})


def test_c3v_paper_components():
    # Eq. (46) and Sec. III C: C3v adds f_xx^{xy} = -2 f_yx^{x2-y2}, f_yx^{3z2-r2}, f_zx^{yz}
    # to the D3h set (the paper's "f_yy^{3z2-r2}, f_zz^{xyz}" are the f_{αx} of Eq. (46) and
    # of Figs. 7(h), 7(i)); relations f_xx^{xz} = -f_yx^{yz}, f_xx^{xy} = -2 f_yx^{x2-y2}.
    expected = {(X, LAM["xz"]), (Y, LAM["yz"]), (Z, LAM["x2-y2"]),
                (X, LAM["xy"]), (Y, LAM["x2-y2"]), (Y, LAM["3z2-r2"]), (Z, LAM["yz"])}
    mask, rel = allowed_components("fcim", "C3v")
    assert _allowed_alpha_x(mask) == expected
    ref = symmetric_strain_tensor(GROUPS["C3v"])
    assert np.array_equal(abs(ref) > 1e-9, mask)
    assert np.isclose(ref[X, X, LAM["xy"]], -2 * ref[Y, X, LAM["x2-y2"]])
    _assert_relation_implied(rel, {(X, X, LAM["xy"]): 1.0, (Y, X, LAM["x2-y2"]): 2.0})
    _assert_relation_implied(rel, {(X, X, LAM["xz"]): 1.0, (Y, X, LAM["yz"]): 1.0})
    # In the Q basis (F = f / s_λ) the same relation reads F_xx^{xy} = -F_yx^{x2-y2}.
    relQ = analyse("fcim", "C3v").relations_Q
    _assert_relation_implied(relQ, {(X, X, LAM["xy"]): 1.0, (Y, X, LAM["x2-y2"]): 1.0})


def _constraint_matrix(relations):
    rows = []
    for r in relations:
        v = np.zeros((3, 3, 5))
        v[r.component] = 1.0
        for c, idx in r.terms:
            v[idx] -= c
        rows.append(v.ravel())
    return np.array(rows)


def _assert_relation_implied(relations, combo):
    """Σ combo[k] t[k] = 0 must be a linear consequence of the returned relations."""
    C = _constraint_matrix(relations)
    v = np.zeros((3, 3, 5))
    for k, c in combo.items():
        v[k] = c
    coef, *_ = np.linalg.lstsq(C.T, v.ravel(), rcond=None)
    assert np.allclose(C.T @ coef, v.ravel(), atol=1e-9)


@pytest.mark.parametrize("name", ["C4v", "D3h", "C3v"])
def test_symbol_setting_matches_paper_axes(name):
    G = GROUPS[name]
    pg = point_group_from_symbol(name)
    assert pg.order == len(G)
    for R in G:
        assert any(np.allclose(R, S) for S in pg.rotations)


@pytest.mark.parametrize("name", ["C4v", "D3h", "C3v"])
def test_check_tensor_on_reference(name):
    f = symmetric_strain_tensor(GROUPS[name], seed=3)
    F = f / STRAIN_SCALE  # Q basis used by the calculators (common coupling g = 1)
    rep = check_tensor("fcim", F, name)
    assert rep.ok
    check_tensor("fcim", np.stack([F, 2 * F, 0 * F]), name)  # leading chemical-potential axis
    with pytest.raises(SymmetryViolation):
        check_tensor("fcim", F + 1e-3 * np.random.default_rng(0).normal(size=F.shape), name)
    # the strain-basis tensor breaks Q-basis relations that link s_λ = 1 and s_λ = 2
    if name != "C4v":
        assert not check_tensor("fcim", f, name, raise_error=False).ok


def test_time_reversal_imposes_nothing_on_fcim():
    # Sec. II E: TRS gives no condition on the dissipative FCIM.
    for hm in ("3m", "-6m2", "4mm", "23"):
        a, b = analyse("fcim", hm), analyse("fcim", hm + "1'")
        assert np.array_equal(a.mask, b.mask) and a.n_independent == b.n_independent


def test_relations_hold_in_both_bases_for_all_groups():
    # every strain-basis relation holds for the Cartesian reference f, every Q-basis
    # relation for F = f / s_λ, and the masks agree, for all 32 groups
    for hm in ALL_HM:
        G = list(point_group_from_symbol(hm).rotations)
        f = symmetric_strain_tensor(G, seed=5)
        a = analyse("fcim", hm)
        assert np.array_equal(abs(f) > 1e-9, a.mask), hm
        for r in a.relations:
            assert abs(r.residual(f)) < 1e-9, (hm, r.text)
        for r in a.relations_Q:
            assert abs(r.residual(f / STRAIN_SCALE)) < 1e-9, (hm, r.text)
