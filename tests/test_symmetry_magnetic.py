"""spin-me, orbital-me and pumped-om masks; cross-check against WannierBerri's PointGroup."""
import warnings

import numpy as np
import pytest

from w90resp.errors import UserError
from w90resp.symmetry import ALL_HM, allowed_components, analyse, check_tensor, point_group_from_symbol
from w90resp.symmetry.neumann import ResponseSpec

X, Y, Z = 0, 1, 2


def brute_force_rank2(ops, t_odd, seed=0):
    """Random axial x polar tensor averaged over (R, T) pairs, written out by hand."""
    A = np.random.default_rng(seed).normal(size=(3, 3))
    out = np.zeros((3, 3))
    for R, t in ops:
        sign = -1.0 if (t and t_odd) else 1.0
        out += sign * np.linalg.det(R) * R @ A @ R.T
    return out / len(ops)


def test_spin_me_forbidden_by_time_reversal():
    # Shitade et al.: ME / MQM tensors need broken T; all 32 grey (nonmagnetic) groups.
    for hm in ALL_HM:
        mask, _ = allowed_components("spin-me", hm + "1'")
        assert not mask.any(), hm


def test_spin_me_rashba_ferromagnet():
    # Shitade, Daido & Yanase Eq. (22): polar axis z, Zeeman b σ_z; Ω_x^x = Ω_y^y, so the
    # in-plane diagonal is allowed and equal.  Magnetic point group 4m'm' (C4z, m_x T).
    c4 = np.array([[0.0, -1, 0], [1, 0, 0], [0, 0, 1]])
    mx = np.diag([-1.0, 1, 1])
    ref = brute_force_rank2([(np.linalg.matrix_power(c4, k) @ m, t)
                             for k in range(4) for m, t in ((np.eye(3), False), (mx, True))], True)
    mask, rel = allowed_components("spin-me", "4m'm'")
    assert mask[X, X] and mask[Y, Y] and np.isclose(ref[X, X], ref[Y, Y])
    assert np.array_equal(mask, abs(ref) > 1e-12)
    check_tensor("spin-me", ref, "4m'm'")
    assert [r.text for r in rel] == ["T_yy = T_xx"]


def test_spin_me_pt_symmetric_and_plain_t():
    assert allowed_components("spin-me", "-1'")[0].all()      # PT alone: all 9
    assert not allowed_components("spin-me", "-1")[0].any()   # P alone
    assert not allowed_components("spin-me", "1'")[0].any()   # T alone


def test_orbital_me_symmetry_table():
    # Xiao et al. PRB 103, 045401, Table I: intrinsic ΔM forbidden by P and by T, allowed by PT.
    assert not allowed_components("orbital-me", "-1")[0].any()
    assert not allowed_components("orbital-me", "1'")[0].any()
    assert allowed_components("orbital-me", "-1'")[0][:2].all()
    # Sec. IV, bilayer CrI3: c_2y (with PT) forces χ and α along x.
    mask, _ = allowed_components("orbital-me", "2/m'")   # 2 ∥ y, m' ⊥ y: C2y and PT
    assert mask[X] and not mask[Y]
    check_tensor("orbital-me", np.array([0.3, 0.0]), "2/m'")
    with pytest.raises(AssertionError):
        check_tensor("orbital-me", np.array([[0.3, 0.1], [0.2, 0.0]]), "2/m'")


def test_orbital_me_needs_layer_normal():
    with pytest.raises(UserError):
        analyse("orbital-me", "m-3m")


def test_pumped_om():
    # Axial vector under the spatial group of the cycle: C3 with σ_h keeps M_z only.
    mask, _ = allowed_components("pumped-om", "-6")
    assert mask.tolist() == [False, False, True]
    assert not allowed_components("pumped-om", "-6m2")[0].any()   # σ_v flips M_z
    check_tensor("pumped-om", 1.5, "-6")
    check_tensor("pumped-om", np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 2.0]]), "-6")


# --------------------------------------------------------------- WannierBerri cross-check

WB_GROUPS = ["4m'm'", "-3'm'", "2/m'", "m'm2'", "-4'2m'", "6'/m'mm'", "4/mm'm'", "m'-3'm'",
             "3m", "-6m2", "432"]


def _wb_symmetric(pg, rank, tr_odd, i_odd, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wbpg = pg.to_wannierberri()
    np.random.seed(seed)
    return wbpg.gen_symmetric_tensor(rank, TRodd=tr_odd, Iodd=i_odd), wbpg


@pytest.mark.parametrize("symbol", WB_GROUPS)
def test_spin_me_matches_wannierberri(symbol):
    pg = point_group_from_symbol(symbol)
    A, wbpg = _wb_symmetric(pg, 2, True, True, 1)   # axial x polar, T-odd
    assert wbpg.size == pg.order
    mask, _ = allowed_components("spin-me", pg)
    assert np.array_equal(mask, abs(A) > 1e-10)
    check_tensor("spin-me", A, pg)


@pytest.mark.parametrize("symbol", ["3m1'", "-6m21'", "4mm1'", "4221'", "-43m1'", "mm21'"])
def test_edelstein_like_tensor_matches_wannierberri(symbol):
    # current-induced spin polarization: axial x polar, T-even (dissipative)
    pg = point_group_from_symbol(symbol)
    A, _ = _wb_symmetric(pg, 2, False, True, 2)
    spec = ResponseSpec("cisp", ("axial", "polar"), "even", "S", "test")
    assert np.array_equal(analyse(spec, pg).mask, abs(A) > 1e-10)


@pytest.mark.parametrize("symbol", ["3m", "-6m2", "4mm", "-42m", "23", "mm2"])
def test_fcim_matches_wannierberri_rank4(symbol):
    # WannierBerri symmetrizes a Cartesian K_{αβjk} (M_α = K ∇_β ε_jk, axial x polar x
    # polar x polar, inversion-odd); contracting with the strain dual basis gives f^λ.
    pg = point_group_from_symbol(symbol)
    K, _ = _wb_symmetric(pg, 4, False, True, 3)
    K = K + K.transpose(0, 1, 3, 2)
    B = np.zeros((5, 3, 3))
    B[0] = np.diag([1, -1, 0]) / 2
    B[1] = np.diag([-1, -1, 2]) / (2 * np.sqrt(3))
    for lam, (i, j) in zip((2, 3, 4), ((0, 1), (1, 2), (0, 2))):
        B[lam, i, j] = B[lam, j, i] = 1.0
    f = np.einsum("abjk,ljk->abl", K, B)
    mask, _ = allowed_components("fcim", pg)
    assert np.array_equal(mask, abs(f) > 1e-10)
    check_tensor("fcim", f / np.array([1, 1, 2, 2, 2]), pg)
