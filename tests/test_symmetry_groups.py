"""Point groups from symbols: orders, symbols, settings, magnetic groups, quadrupole rep."""
import numpy as np
import pytest

from w90resp.errors import UserError
from w90resp.symmetry import (ALL_HM, HM_TO_SCHOENFLIES, all_point_groups, point_group_from_symbol,
                              quadrupole_representation)
from w90resp.symmetry.pointgroups import describe

# Orders of the 32 crystallographic point groups (standard tables).
ORDERS = {"C1": 1, "Ci": 2, "C2": 2, "Cs": 2, "C2h": 4, "D2": 4, "C2v": 4, "D2h": 8,
          "C4": 4, "S4": 4, "C4h": 8, "D4": 8, "C4v": 8, "D2d": 8, "D4h": 16,
          "C3": 3, "C3i": 6, "D3": 6, "C3v": 6, "D3d": 12, "C6": 6, "C3h": 6, "C6h": 12,
          "D6": 12, "C6v": 12, "D3h": 12, "D6h": 24, "T": 12, "Th": 24, "O": 24, "Td": 24,
          "Oh": 48}


def test_all_32_orders_and_symbols():
    groups = all_point_groups()
    assert len(groups) == 32 == len(set(HM_TO_SCHOENFLIES.values()))
    for hm, g in groups.items():
        sch = HM_TO_SCHOENFLIES[hm]
        assert g.order == ORDERS[sch], hm
        assert g.hm == hm and g.schoenflies == sch
        assert not g.time_reversal.any()
        for R in g.rotations:
            assert np.allclose(R @ R.T, np.eye(3))
        # closed under multiplication
        keys = {tuple(np.round(R, 8).ravel() + 0.0) for R in g.rotations}
        assert len(keys) == g.order
        prods = np.einsum("aij,bjk->abik", g.rotations, g.rotations).reshape(-1, 9)
        assert {tuple(np.round(P, 8) + 0.0) for P in prods} == keys


@pytest.mark.parametrize("sch,hm", [("C3v", "3m"), ("D3h", "-6m2"), ("Oh", "m-3m"), ("S6", "-3"),
                                    ("c4v", "4mm"), ("C_{2v}", "mm2"), ("Td", "-43m")])
def test_schoenflies_and_hm_give_same_group(sch, hm):
    a, b = point_group_from_symbol(sch), point_group_from_symbol(hm)
    assert a.hm == b.hm == hm
    assert np.allclose(np.sort(a.rotations.reshape(len(a.rotations), -1), axis=0),
                       np.sort(b.rotations.reshape(len(b.rotations), -1), axis=0))


def test_settings():
    mx = np.diag([-1.0, 1, 1])
    my = np.diag([1.0, -1, 1])
    c2y = np.diag([-1.0, 1, -1])
    c2x = np.diag([1.0, -1, -1])
    assert point_group_from_symbol("3m").contains(mx)
    assert not point_group_from_symbol("31m").contains(mx)
    assert point_group_from_symbol("31m").contains(my)
    d3h = point_group_from_symbol("-6m2")
    assert d3h.contains(mx) and d3h.contains(c2y) and not d3h.contains(c2x)
    assert point_group_from_symbol("-62m").contains(c2x)
    assert point_group_from_symbol("32").contains(c2x)
    assert point_group_from_symbol("2").contains(c2y)  # monoclinic unique axis y
    assert point_group_from_symbol("-42m").contains(c2x)
    assert point_group_from_symbol("-4m2").contains(mx)


@pytest.mark.parametrize("symbol,order,unitary", [
    ("4m'm'", 8, 4), ("-3'm'", 12, 6), ("2/m'", 4, 2), ("m'm2'", 4, 2), ("-1'", 2, 1),
    ("m'-3'm'", 48, 24), ("6/mmm1'", 48, 24), ("1'", 2, 1), ("C3v1'", 12, 6)])
def test_magnetic_symbols(symbol, order, unitary):
    g = point_group_from_symbol(symbol)
    assert g.order == order
    assert int((~g.time_reversal).sum()) == unitary
    grey = symbol.endswith("1'") and symbol != "-1'"
    assert g.contains(np.eye(3), True) == grey
    assert g.magnetic_type == (2 if grey else 3)


def test_magnetic_symbol_recovered_in_rotated_frame():
    rng = np.random.default_rng(4)
    Q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    Q *= np.sign(np.linalg.det(Q))
    for symbol in ("4m'm'", "-3'm'", "-4'2m'", "-6'm2'", "m'm'm'"):
        g = point_group_from_symbol(symbol)
        h = describe([(Q @ R @ Q.T, t) for R, t in g.operations()])
        assert h.hm == symbol


@pytest.mark.parametrize("bad", ["C7v", "xyz", "3/m", "", "m-3'm'", "5"])
def test_bad_symbols(bad):
    with pytest.raises(UserError):
        point_group_from_symbol(bad)


def test_quadrupole_representation():
    # D(R) acts on the polynomials (x²−y², (3z²−r²)/√3, 2xy, 2yz, 2xz) by p(R⁻¹ r);
    # compare with direct evaluation at random points.
    polys = [lambda r: r[0] ** 2 - r[1] ** 2,
             lambda r: (3 * r[2] ** 2 - r @ r) / np.sqrt(3),
             lambda r: 2 * r[0] * r[1], lambda r: 2 * r[1] * r[2], lambda r: 2 * r[0] * r[2]]
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(12, 3))
    for hm in ALL_HM:
        for R in point_group_from_symbol(hm).rotations:
            D = quadrupole_representation(R)
            assert np.allclose(D @ D.T, np.eye(5))
            for mu in range(5):
                lhs = np.array([polys[mu](np.linalg.inv(R) @ p) for p in pts])
                rhs = sum(D[lam, mu] * np.array([polys[lam](p) for p in pts]) for lam in range(5))
                assert np.allclose(lhs, rhs)
