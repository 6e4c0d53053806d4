"""FCIM calculators (FCIM paper Eqs. 32-34) on the decorated square lattice (C4v)."""
import numpy as np
import pytest

from w90resp.models.decorated_square import decorated_square
from w90resp.responses.fcim import fcim_response, fcim_band_weights
from w90resp.responses import _bands
from w90resp.operators import LAMBDAS
from tests.fcim_reference import fcim_brute_force, trim_gauge_setup

KT = ETA = 0.05
MU = np.linspace(-2.2, 1.3, 8)
LAM = {l: i for i, l in enumerate(LAMBDAS)}
X, Y, Z = 0, 1, 2


@pytest.fixture(scope="module")
def model():
    return decorated_square()


@pytest.fixture(scope="module")
def split(model):
    return fcim_response(model, MU, KT, ETA, 24, parts=("total", "current", "torque"), symmetry=True)


@pytest.mark.parametrize("moment", ["L", "S"])
def test_agrees_with_plain_numpy_loop(model, moment):
    ref = fcim_brute_force(model, MU, KT, ETA, 24, moment)
    for sym in (False, True):
        got = fcim_response(model, MU, KT, ETA, 24, moments=(moment,), symmetry=sym)[moment]
        assert np.abs(got - ref).max() < 1e-6 * np.abs(ref).max()


@pytest.mark.parametrize("moment", ["L", "S"])
def test_split_current_plus_torque(model, split, moment):
    tot, cur, tor = split[moment], split[moment + "_current"], split[moment + "_torque"]
    assert np.abs(cur + tor - tot).max() < 1e-10 * np.abs(tot).max()
    # the split is not trivial: the torque part is a sizeable fraction
    assert np.abs(tor).max() > 1e-2 * np.abs(tot).max()
    ref = fcim_brute_force(model, MU, KT, ETA, 24, moment, part="torque")
    assert np.abs(tor - ref).max() < 1e-6 * np.abs(ref).max()


# FCIM paper Sec. III A (C4v): among f_{alpha x}, only f_xx^{xy}, f_yx^{x2-y2},
# f_yx^{3z2-r2} and f_zx^{yz} are allowed.
ALLOWED_AX = {(X, LAM["xy"]), (Y, LAM["x2-y2"]), (Y, LAM["3z2-r2"]), (Z, LAM["yz"])}


@pytest.mark.parametrize("key", ["L", "S", "L_current", "S_current", "L_torque", "S_torque"])
def test_c4v_selection_rules(split, key):
    f = split[key]
    largest = np.abs(f).max()
    for a in range(3):
        for lam in range(5):
            if (a, lam) not in ALLOWED_AX:
                assert np.abs(f[:, a, X, lam]).max() < 1e-8 * largest, (a, LAMBDAS[lam])
    for a, lam in ALLOWED_AX - {(Z, LAM["yz"])}:
        assert np.abs(f[:, a, X, lam]).max() > 1e-3 * largest


@pytest.mark.parametrize("moment", ["L", "S"])
def test_z_responses_vanish(split, moment):
    """f_zx^{yz} is allowed by C4v but vanishes: <L_z>_n = <S_z>_n = 0 for every band,
    since the model has no p_x-p_y mixing that the A2 term k_x k_y (k_x^2-k_y^2) M_z needs
    (FCIM paper Sec. III A)."""
    f = split[moment]
    assert np.abs(f[:, Z]).max() < 1e-6 * np.abs(f).max()


def test_symmetry_module_agrees(split):
    sym = pytest.importorskip("w90resp.symmetry")
    pg = sym.point_group_from_symbol("C4v")
    for key in ("L", "S", "L_current", "L_torque"):
        sym.check_tensor("fcim", split[key], pg)


@pytest.mark.parametrize("part", ["total", "current", "torque"])
def test_gauge_invariance_in_degenerate_subspaces(model, part):
    """Random unitary rotations inside Kramers pairs at the TRIM (and any exact
    degeneracy) leave the group-summed weights unchanged."""
    dH, E, U, ops, U2, start, size = trim_gauge_setup(model, 7)
    assert size.max() == 2 and (size == 2).sum() >= 16   # Kramers pairs at the 4 TRIM

    def weights(U):
        M = _bands.rotate_onsite(U, ops["S"])
        Q = _bands.rotate_onsite(U, ops["Q"])
        v = np.einsum("kim,kijc,kjn->kmnc", U.conj(), dH, U)
        w = fcim_band_weights(M, v, Q, start, size, part)
        # sum over each degenerate group
        return np.array([[w[ik, start[ik] == s].sum(axis=0) for s in np.unique(start[ik])]
                         for ik in range(len(E))], dtype=object)

    w1, w2 = weights(U), weights(U2)
    for a, b in zip(w1.ravel(), w2.ravel()):
        assert np.abs(np.asarray(a) - np.asarray(b)).max() < 1e-12
    # and the individual band weights do change (the test is not vacuous)
    M1 = _bands.rotate_onsite(U, ops["S"])
    M2 = _bands.rotate_onsite(U2, ops["S"])
    assert np.abs(np.diagonal(M1 - M2, axis1=1, axis2=2)).max() > 1e-3


@pytest.mark.slow
def test_k_grid_convergence(model):
    """Converged grid: doubling nk from 128 to 256 changes f by <= 1% of its maximum."""
    mu = np.linspace(-2.5, 1.5, 81)
    a = fcim_response(model, mu, KT, ETA, 128)
    b = fcim_response(model, mu, KT, ETA, 256)
    for M in ("L", "S"):
        assert np.abs(a[M] - b[M]).max() <= 0.01 * np.abs(b[M]).max()
