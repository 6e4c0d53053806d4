"""FCIM from the finite-eta Kubo formulas (FCIM paper Eqs. B1, B6), intra- and interband.

The reference below evaluates the literal Kubo sums of (B1) and (B6) with complex
denominators e_n - e_m +/- i eta and takes the dissipative part as the half difference
of the two signs (the eta-odd part), written independently of the package.
"""
import numpy as np
import pytest

from w90resp.models.decorated_square import decorated_square
from w90resp.operators import LAMBDAS
from w90resp.responses import _bands
from w90resp.responses.fcim import fcim_response
from w90resp.responses.fcim_kubo import fcim_kubo_response, fermi_divided_difference, kubo_sum
from tests.fcim_reference import trim_gauge_setup

LAM = {l: i for i, l in enumerate(LAMBDAS)}
X, Y, Z = 0, 1, 2
KT = 0.05
MU = np.linspace(-2.2, 1.3, 8)


@pytest.fixture(scope="module")
def model():
    return decorated_square()


def _fermi(e, mu, kT):
    return 0.5 * (1 - np.tanh((e - mu) / (2 * kT)))


def _fermi_prime(e, mu, kT):
    x = (e - mu) / kT
    return -1.0 / (kT * (np.exp(x / 2) + np.exp(-x / 2)) ** 2)


def _bloch_moment_loop(e, v, groups):
    """m^a_{nn'} = -(i/2) eps_abc sum_{l outside the group} v^b_nl v^c_ln' / (e_l - e_n')."""
    nb = len(e)
    m = np.zeros((3, nb, nb), complex)
    for D in groups:
        for n in D:
            for n2 in D:
                for l in range(nb):
                    if l in D:
                        continue
                    for a, (b, c) in enumerate([(1, 2), (2, 0), (0, 1)]):
                        m[a, n, n2] += -0.5j * (v[b, n, l] * v[c, l, n2] - v[c, n, l] * v[b, l, n2]) \
                            / (e[l] - e[n2])
    return m


def kubo_brute_force(tb, mu, kT, eta, nk, moment, part="total", thresh=1e-10):
    """Per-k, per-pair loop of Eqs. (B1) (current) and (B6) (torque); hbar = g = 1.

    Degenerate groups (|e_n - e_m| < thresh) get e_n = e_m exactly: F_nm = f'(e), and the
    position matrix r is kept only between different groups (Eq. B9)."""
    ops = tb.operators()
    Qw = ops["Q"]
    mu = np.asarray(mu, float)
    out = np.zeros((len(mu), 3, 3, 5))
    for i in range(nk):
        for j in range(nk):
            H, dH = tb.hamiltonian(np.array([[i / nk, j / nk, 0.0]]), derivative=True)
            e, u = np.linalg.eigh(H[0])
            groups, n = [], 0
            while n < len(e):
                g = n
                while g + 1 < len(e) and e[g + 1] - e[g] < thresh:
                    g += 1
                groups.append(list(range(n, g + 1)))
                n = g + 1
            for D in groups:
                e[D] = e[D].mean()
            gid = np.zeros(len(e), int)
            for ig, D in enumerate(groups):
                gid[D] = ig
            v = np.einsum("in,ijc,jm->cnm", u.conj(), dH[0], u)
            Q = np.einsum("in,cij,jm->cnm", u.conj(), Qw, u)
            if moment == "bloch":
                M = _bloch_moment_loop(e, v, groups)
            else:
                M = np.einsum("in,cij,jm->cnm", u.conj(), ops[moment], u)
            nb = len(e)
            r = np.zeros_like(v)
            for n in range(nb):
                for m in range(nb):
                    if gid[n] != gid[m]:
                        r[:, n, m] = -1j * v[:, n, m] / (e[n] - e[m])
            tau = 1j * (e[:, None] - e[None, :])[None] * Q
            J = 0.5 * (np.einsum("bml,cln->bcmn", v, Q) + np.einsum("cml,bln->bcmn", Q, v))
            rtau = np.einsum("bml,cln->bcmn", r, tau) + np.einsum("cml,bln->bcmn", tau, r)
            rM = np.einsum("bnl,alm->abnm", r, M) + np.einsum("anl,blm->abnm", M, r)
            f = _fermi(e[None, :], mu[:, None], kT)
            for n in range(nb):
                for m in range(nb):
                    if gid[n] == gid[m]:
                        F = _fermi_prime(e[n], mu, kT)
                    else:
                        F = (f[:, n] - f[:, m]) / (e[n] - e[m])
                    P = np.zeros((3, 3, 5), complex)
                    if part in ("total", "current"):
                        P += np.einsum("a,bc->abc", M[:, n, m], J[:, :, m, n])
                    if part in ("total", "torque"):
                        P += 0.5 * (np.einsum("a,bc->abc", M[:, n, m], rtau[:, :, m, n])
                                    - np.einsum("ab,c->abc", rM[:, :, n, m], tau[:, m, n]))
                    x = e[n] - e[m]
                    # (i/V) F P / (x + i eta): dissipative part = eta-odd half
                    kub = 0.5 * (1j / (x + 1j * eta) - 1j / (x - 1j * eta))
                    out += (F[:, None, None, None] * (kub * P)[None]).real
    return out / (nk * nk * tb.cell_measure)


# ----------------------------------------------------------------- reference agreement
@pytest.mark.parametrize("moment,part", [("S", "total"), ("L", "current"), ("L", "torque"),
                                         ("bloch", "total")])
def test_agrees_with_plain_numpy_loop(model, moment, part):
    nk, eta = 8, 0.02
    ref = kubo_brute_force(model, MU, KT, eta, nk, moment, part)
    key = moment if part == "total" else f"{moment}_{part}"
    for sym in (False, True):
        got = fcim_kubo_response(model, MU, KT, eta, nk, moments=(moment,), parts=(part,),
                                 symmetry=sym, same_group="trace")[key]
        assert np.abs(ref).max() > 0
        assert np.abs(got - ref).max() < 1e-6 * np.abs(ref).max(), (sym, np.abs(got - ref).max())


def test_fermi_divided_difference():
    from scipy.special import expit
    kT = 0.05
    a = np.array([-1.0, -0.02, 0.0, 0.013, 0.3, 40.0, -40.0, 0.1])
    b = np.array([-0.9, 0.03, 1e-9, 0.013, 0.31, 41.0, 39.0, 0.1 + 1e-13])
    mu = np.array([0.0, 0.01])
    got = fermi_divided_difference(a, b, mu, kT)
    assert np.isfinite(got).all()
    for x, (ea, eb) in enumerate(zip(a, b)):
        for y, m in enumerate(mu):
            if abs(ea - eb) > 1e-6:
                xa, xb = (ea - m) / kT, (eb - m) / kT
                # the occupied or the empty side, whichever is small (no cancellation)
                if xa + xb < 0:
                    ref = (expit(xb) - expit(xa)) / (ea - eb)
                else:
                    ref = (expit(-xa) - expit(-xb)) / (ea - eb)
            else:
                ref = _fermi_prime(0.5 * (ea + eb), m, kT)
            assert abs(got[y, x] - ref) <= 1e-9 * abs(ref) + 1e-300, (ea, eb, m)


# ----------------------------------------------------------------- eta -> 0
def test_intraband_part_is_eq34(model):
    """The same-group pairs of the literal Kubo sum (``same_group='trace'``) are Eq. (34)
    with group traces; the package's FCIM differs from them only at the exactly
    degenerate TRIM points."""
    eta = 0.05
    r = fcim_kubo_response(model, MU, KT, eta, 24, moments=("L", "S"),
                           parts=("total", "intraband", "interband", "current", "torque"),
                           same_group="trace")
    f34 = fcim_response(model, MU, KT, eta, 24, moments=("L", "S"))
    for m in ("L", "S"):
        scale = np.abs(f34[m]).max()
        assert np.abs(r[m] - r[m + "_intraband"] - r[m + "_interband"]).max() < 1e-12 * scale
        assert np.abs(r[m] - r[m + "_current"] - r[m + "_torque"]).max() < 1e-12 * scale
        assert np.abs(r[m + "_intraband"] - f34[m]).max() < 2e-3 * scale
        # at eta = kT = 0.05 the interband correction is large in this model
        assert np.abs(r[m + "_interband"]).max() > 0.1 * scale


def test_same_group_from_fcim(model):
    """``same_group='fcim'``: the same-group pairs are the intraband calculator's own value,
    so f^full - f^(34) is exactly the interband sum on any grid."""
    eta = 0.02
    r = fcim_kubo_response(model, MU, KT, eta, 24, moments=("S",),
                           parts=("total", "intraband", "interband", "current", "torque"),
                           same_group="fcim")
    f34 = fcim_response(model, MU, KT, eta, 24, moments=("S",), parts=("total", "current", "torque"))
    scale = np.abs(f34["S"]).max()
    assert np.abs(r["S_intraband"] - f34["S"]).max() < 1e-12 * scale
    assert np.abs(r["S"] - f34["S"] - r["S_interband"]).max() < 1e-12 * scale
    assert np.abs(r["S_current"] + r["S_torque"] - r["S"]).max() < 1e-12 * scale
    trace = fcim_kubo_response(model, MU, KT, eta, 24, moments=("S",), parts=("interband", "intraband"),
                               same_group="trace")
    assert np.abs(trace["S_interband"] - r["S_interband"]).max() < 1e-12 * scale
    # the two same-group treatments differ only at the exactly degenerate TRIM points
    assert np.abs(trace["S_intraband"] - r["S_intraband"]).max() < 2e-3 * scale


def test_eta_to_zero_recovers_eq34(model):
    """f^full / f^(34) -> 1: on a 96 x 96 grid the deviation (max over mu and components,
    relative to the largest f^(34)) falls with eta and is below 1e-3 at eta = 1e-6.  The
    approach is slow because of Rashba partners that stay within ~1e-5 of each other along
    the Gamma-M diagonal (pairs closer than eta count with weight ~ f'/eta)."""
    nk, dev = 96, []
    f34_eta1 = fcim_response(model, MU, KT, 1.0, nk, moments=("S",))["S"]   # Eq. (34) is exactly 1/eta
    for eta in (1e-2, 1e-4, 1e-6):
        full = fcim_kubo_response(model, MU, KT, eta, nk, moments=("S",))["S"]
        f34 = f34_eta1 / eta
        dev.append(np.abs(full - f34).max() / np.abs(f34).max())
    assert dev[0] > dev[1] > dev[2]
    assert dev[2] <= 1e-3, dev


@pytest.mark.slow
def test_eta_to_zero_fine_grid(model):
    nk = 192
    for m in ("L", "S"):
        full = fcim_kubo_response(model, MU, KT, 1e-6, nk, moments=(m,))[m]
        f34 = fcim_response(model, MU, KT, 1e-6, nk, moments=(m,))[m]
        assert np.abs(full - f34).max() <= 5e-4 * np.abs(f34).max()


# ----------------------------------------------------------------- symmetry, gauge
def test_c4v_selection_rules_without_symmetrization(model):
    res = fcim_kubo_response(model, MU, KT, 0.02, 24, moments=("L", "S", "bloch"),
                             parts=("total", "interband"), symmetry=False)
    allowed = {(X, LAM["xy"]), (Y, LAM["x2-y2"]), (Y, LAM["3z2-r2"]), (Z, LAM["yz"])}
    sym = pytest.importorskip("w90resp.symmetry")
    pg = sym.point_group_from_symbol("C4v")
    for key, f in res.items():
        largest = np.abs(f).max()
        assert largest > 0
        for a in range(3):
            for lam in range(5):
                if (a, lam) not in allowed:
                    assert np.abs(f[:, a, X, lam]).max() < 1e-8 * largest, (key, a, LAMBDAS[lam])
        sym.check_tensor("fcim", f, pg)
    # the symmetrized run (C4v x time reversal) gives the same: the interband part has
    # the time-reversal parity declared for the result
    s = fcim_kubo_response(model, MU, KT, 0.02, 24, moments=("S",), parts=("interband",))
    assert np.abs(s["S_interband"] - res["S_interband"]).max() < 1e-8 * np.abs(res["S_interband"]).max()


@pytest.mark.parametrize("same_group", ["trace", "fcim"])
@pytest.mark.parametrize("moment", ["L", "S", "bloch"])
@pytest.mark.parametrize("part", ["total", "current", "torque", "intraband"])
def test_gauge_invariance_in_degenerate_subspaces(model, moment, part, same_group):
    """Random unitary rotations inside the Kramers pairs at the TRIM leave every k-point's
    contribution unchanged."""
    from w90resp.responses.bloch_moment import bloch_moment_matrix
    dH, E, U, ops, U2, start, size = trim_gauge_setup(model, 5)
    assert (size == 2).sum() >= 16

    def contributions(U):
        v = np.einsum("kim,kijc,kjn->kmnc", U.conj(), dH, U)
        Q = _bands.rotate_onsite(U, ops["Q"])
        M = bloch_moment_matrix(E, v, start, size) if moment == "bloch" else _bands.rotate_onsite(U, ops[moment])
        return M, kubo_sum(M, v, Q, E, start, size, MU, KT, 0.02, part, k_resolved=True,
                           same_group=same_group)

    (M1, c1), (M2, c2) = contributions(U), contributions(U2)
    assert np.abs(c1).max() > 0
    assert np.abs(c1 - c2).max() < 1e-11 * np.abs(c1).max()
    # the moments themselves do change (not vacuous)
    assert np.abs(np.einsum("knnc->knc", M1 - M2)).max() > 1e-6


def test_mos2_interband_inplane():
    """MoS2 (D3h): (M_x)_n = (M_y)_n = 0 makes the intraband in-plane responses vanish,
    but interband matrix elements of M_x do not; the full Kubo formula gives the
    D3h-allowed f_xx^{xz} = -f_yx^{yz} at finite eta, and nothing forbidden."""
    mod = pytest.importorskip("w90resp.models.mos2")
    sym = pytest.importorskip("w90resp.symmetry")
    tb = mod.mos2()
    mu = np.array([-0.3, -0.1, 0.0, 0.05])
    r = fcim_kubo_response(tb, mu, 0.05, 0.05, 18, moments=("S",), parts=("total", "interband"),
                           symmetry=False)
    f34 = fcim_response(tb, mu, 0.05, 0.05, 18, moments=("S",), symmetry=False)["S"]
    xz, yz = LAM["xz"], LAM["yz"]
    inter = r["S_interband"]
    assert np.abs(f34[:, :2]).max() < 1e-12 * np.abs(f34).max()
    assert np.abs(inter[:, X, X, xz]).max() > 1e-3 * np.abs(f34).max()
    assert np.allclose(inter[:, X, X, xz], -inter[:, Y, X, yz], rtol=1e-8, atol=0)
    for f in (r["S"], inter):
        sym.check_tensor("fcim", f, sym.point_group_from_symbol("D3h"))


def test_reactive_part_vanishes_in_a_nonmagnet_and_is_eta_independent_in_a_magnet():
    """Eq. (R) of fcim_kubo: zero for MoS2 by time reversal (k, -k pairs cancel, no
    symmetrization used); for MoS2 with an exchange field on Mo it is finite and
    independent of eta (2 eta -> eta changes it by < 1e-3) while the dissipative part
    doubles; the magnetic-group k-sum (reactive part odd under the antiunitary
    operations) gives the same as the plain full-grid sum."""
    from tests.test_magnetic_symmetrizer import _zeeman_mos2
    from w90resp.models import get_model
    from w90resp.responses.fcim_kubo import fcim_kubo_response
    mu = np.array([-0.2, 0.9, 1.2])
    kw = dict(moments=("L", "S"), parts=("total", "reactive"))
    r0 = fcim_kubo_response(get_model("mos2"), mu, 0.05, 0.02, 12, symmetry=False, **kw)
    for m in ("L", "S"):
        assert np.abs(r0[m + "_reactive"]).max() < 1e-12 * np.abs(r0[m]).max()
    tb = _zeeman_mos2(0.2)
    a = fcim_kubo_response(tb, mu, 0.05, 0.02, 12, symmetry=False, **kw)
    b = fcim_kubo_response(tb, mu, 0.05, 0.01, 12, symmetry=False, **kw)
    c = fcim_kubo_response(tb, mu, 0.05, 0.01, 12, symmetry=True, **kw)
    for m in ("L", "S"):
        ra, rb = a[m + "_reactive"], b[m + "_reactive"]
        assert np.abs(ra).max() > 1e-4 * np.abs(a[m]).max()
        assert np.abs(ra - rb).max() < 1e-3 * np.abs(ra).max()
        assert np.abs(b[m] - 2 * a[m]).max() < 0.05 * np.abs(b[m]).max()
        for key in (m, m + "_reactive"):
            assert np.abs(c[key] - b[key]).max() < 1e-8 * np.abs(b[key]).max()


@pytest.mark.parametrize("split, expected", [(0.002, 1.0), (0.5, 0.0)])
def test_eq34_validity_counts_pairs_split_below_eta(split, expected):
    """Two copies of a cosine band split by 2 Delta: all the Fermi-surface weight is on
    pairs closer than eta = 0.05 when 2 Delta = 0.004, none when 2 Delta = 1."""
    from w90resp.orbitals import Orbital
    from w90resp.responses.fcim import eq34_validity
    from w90resp.tb import TightBinding
    orbs = [Orbital(0, "X", np.zeros(3), "s", "s", "none"), Orbital(1, "X", np.zeros(3), "s", "s", "none")]
    t = -np.eye(2, dtype=complex)
    hop = {(0, 0, 0): np.diag([split, -split]).astype(complex), (1, 0, 0): t, (-1, 0, 0): t,
           (0, 1, 0): t, (0, -1, 0): t}
    tb = TightBinding(name="pair", real_lattice=np.diag([1.0, 1.0, 10.0]), orbitals=orbs,
                      hoppings=hop, periodic=(True, True, False))
    frac = eq34_validity(tb, [-1.0, 0.5], kT=0.05, eta=0.05)
    assert np.allclose(frac, expected, atol=1e-12)
