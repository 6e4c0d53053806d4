"""Bloch orbital moment (FCIM paper Eq. 48) and the FCIM with it.

Expected values are computed here independently: Eq. (48) by finite differences of
a smooth gauge, WannierBerri's own orbital moment, and a plain per-k loop for the FCIM.
"""
import dataclasses

import numpy as np
import pytest
import scipy.constants as const

from w90resp.models.decorated_square import decorated_square
from w90resp.operators import LAMBDAS
from w90resp.responses import _bands
from w90resp.responses.bloch_moment import (MU_B_PER_EV_A2, bloch_moment, bloch_moment_matrix,
                                            fcim_bloch_response)
from w90resp.responses.fcim import fcim_band_weights, fcim_response
from tests.fcim_reference import random_gauge

LAM = {l: i for i, l in enumerate(LAMBDAS)}
X, Y, Z = 0, 1, 2
KT = ETA = 0.05
MU = np.linspace(-2.2, 1.3, 8)
GENERIC_K = np.array([[0.13, 0.27, 0.0], [0.41, 0.07, 0.0], [0.22, 0.36, 0.0], [0.0, 0.19, 0.0]])


@pytest.fixture(scope="module")
def model():
    return decorated_square()


def _mos2():
    mod = pytest.importorskip("w90resp.models.mos2")
    return mod.mos2()


# --------------------------------------------------------------- finite differences
def _eig_cart(tb, kc):
    kr = np.asarray(kc) @ tb.real_lattice.T / (2 * np.pi)
    H = tb.hamiltonian(kr[None])[0]
    e, u = np.linalg.eigh(H)
    return H, e, u


def moment_fd(tb, k_red, h=1e-3):
    """-(i/2) eps_abc <d_b u_n|(H - e_n)|d_c u_n> with |d u> from a 4th-order central
    difference of eigenvectors whose phase is aligned to u_n(k0) (a smooth local gauge);
    k derivatives along Cartesian x, y, z (z through the orbital heights in the phase)."""
    kc0 = np.asarray(k_red) @ tb.recip_lattice
    H0, e0, u0 = _eig_cart(tb, kc0)
    nb = len(e0)
    stencil = {-2: 1 / 12, -1: -2 / 3, 1: 2 / 3, 2: -1 / 12}
    du = np.zeros((3, nb, nb), complex)           # du[a][:, n]
    for a in range(3):
        for s, c in stencil.items():
            dk = np.zeros(3)
            dk[a] = s * h
            _, _, u = _eig_cart(tb, kc0 + dk)
            ph = np.einsum("in,in->n", u0.conj(), u)
            du[a] += c * u * (ph.conj() / np.abs(ph)) / h
    m = np.zeros((nb, 3))
    for n in range(nb):
        A = H0 - e0[n] * np.eye(nb)
        Xbc = np.array([[du[b][:, n].conj() @ A @ du[c][:, n] for c in range(3)] for b in range(3)])
        eps = [(1, 2), (2, 0), (0, 1)]
        m[n] = [(-0.5j * (Xbc[b, c] - Xbc[c, b])).real for b, c in eps]
    return e0, m


def _assert_fd(tb, ks, min_gap=1e-2):
    """Bands farther than ``min_gap`` from their neighbours (the FD of a smooth gauge
    needs the band isolated over the stencil); at least a third of them."""
    for k in ks:
        e_fd, m_fd = moment_fd(tb, k)
        gap = np.minimum(np.r_[np.inf, np.diff(e_fd)], np.r_[np.diff(e_fd), np.inf])
        ok = gap > min_gap
        assert ok.sum() >= len(e_fd) // 3
        E, m = bloch_moment(tb, [k])
        scale = np.abs(m_fd[ok]).max()
        assert scale > 1e-4
        err = np.abs(m[0, ok] - m_fd[ok]).max()
        assert err < 1e-6 * scale, (k, err, scale)


def test_finite_difference_decorated_square(model):
    _assert_fd(model, GENERIC_K, min_gap=1e-3)


def test_finite_difference_mos2():
    tb = _mos2()
    _assert_fd(tb, [[0.31, 0.29, 0.0], [0.1, 0.05, 0.0], [0.27, 0.41, 0.0]])


# --------------------------------------------------------------- WannierBerri
def test_unit_factor():
    """mu_B per (e/hbar) eV A^2, and WannierBerri's factor for its bracket (= -2 m)."""
    from wannierberri.factors import factor_morb_evA2_to_muB
    mu_B = const.physical_constants["Bohr magneton"][0]
    assert abs(MU_B_PER_EV_A2 - const.e * const.e * 1e-20 / (const.hbar * mu_B)) < 1e-12
    assert abs(MU_B_PER_EV_A2 - 2 * const.m_e * const.e * 1e-20 / const.hbar ** 2) < 1e-9
    assert abs(-2 * factor_morb_evA2_to_muB - MU_B_PER_EV_A2) < 1e-9


def test_agrees_with_wannierberri_orbital_moment_mos2():
    """``tabulate.OrbitalMoment`` (mu_B) at generic k, at K and at Gamma (Kramers pairs:
    WannierBerri gives each band of a degenerate group the group trace / size)."""
    import wannierberri as wb
    from wannierberri.calculators import tabulate
    tb = _mos2()
    system = tb.to_wannierberri()
    ours, theirs = [], []
    for k in ([0.31, 0.29, 0.0], [1 / 3, 1 / 3, 0.0], [0.1, 0.05, 0.0], [0.0, 0.0, 0.0]):
        E, m = bloch_moment(tb, [k], units="muB")
        calc = tabulate.OrbitalMoment(print_comment=False, degen_thresh=1e-8)
        theirs.append(np.asarray(wb.evaluate_k(system, k, calculators={"m": calc}).data)[0])
        start, size = _bands.degenerate_groups(E, 1e-8)
        ours.append(np.array([m[0, start[0] == s].mean(axis=0) for s in start[0]]))
    ours, theirs = np.array(ours), np.array(theirs)
    assert np.abs(theirs).max() > 1.0                  # mu_B: the K valley moments
    assert np.abs(ours - theirs).max() < 1e-8 * np.abs(theirs).max()
    assert np.abs(theirs[-1]).max() < 1e-10            # Gamma: Kramers pairs, zero trace


def test_agrees_with_wannierberri_formula_decorated_square(model):
    """WannierBerri's covariant ``morb`` formula is the bracket i eps <du|(H-e)|du> = -2 m
    (model units: no conversion to mu_B)."""
    import wannierberri as wb
    from wannierberri.formula import covariant
    system = model.to_wannierberri()
    for k in GENERIC_K:
        E, m = bloch_moment(model, [k])
        for n in range(model.num_wann):
            ref = wb.evaluate_k(system, k, formula={"m": covariant.morb}, iband=[n])[0, 0].real
            assert np.abs(-2 * m[0, n] - ref).max() < 1e-10


def test_mu_B_needs_physical_units(model):
    with pytest.raises(ValueError):
        bloch_moment(model, GENERIC_K, units="muB")


# --------------------------------------------------------------- symmetry
def test_vanishes_with_inversion_and_time_reversal():
    """Without buckling and without the p_z-s hopping the decorated square is
    centrosymmetric (D4h) and time-reversal symmetric: every band is Kramers degenerate
    and the moment of each pair (its trace) vanishes; without SOC the whole matrix does."""
    rng = np.random.default_rng(3)
    k = np.c_[rng.random((12, 2)), np.zeros(12)]
    for so in (0.4, 0.0):
        tb = decorated_square(buckling=0.0, tz_tilde=0.0, lambda_so=so)
        E, m, mm, _ = bloch_moment(tb, k, matrix=True)
        start, size = _bands.degenerate_groups(E, 1e-10)
        assert (size == 2).all()
        traces = np.einsum("knnc->knc", mm).real.reshape(len(k), -1, 2, 3).sum(axis=2)
        assert np.abs(traces).max() < 1e-12
        if so == 0.0:
            assert np.abs(mm).max() < 1e-12
    # the noncentrosymmetric model has a finite moment at the same k
    E, m = bloch_moment(decorated_square(), k)
    assert np.abs(m).max() > 1e-3


def _random_gauge(U, E, rng, thresh=1e-10):
    return random_gauge(U, E, rng, thresh)


def test_gauge_covariance_in_degenerate_subspaces(model):
    """Kramers pairs at the TRIM: under U -> U W inside a group the moment matrix
    becomes W^dagger m W, and the FCIM group sums with M = m_Bloch are unchanged."""
    rng = np.random.default_rng(11)
    k = np.array([[0, 0, 0], [0.5, 0, 0], [0, 0.5, 0], [0.5, 0.5, 0], [0.2, 0.1, 0]])
    H, dH = model.hamiltonian(k, derivative=True)
    E, U = np.linalg.eigh(H)
    U2, start, size, rots = _random_gauge(U, E, rng)
    assert len(rots) >= 16
    Q = model.operators()["Q"]

    def mats(U):
        v = np.einsum("kim,kijc,kjn->kmnc", U.conj(), dH, U)
        return bloch_moment_matrix(E, v, start, size), v, _bands.rotate_onsite(U, Q)

    (m1, v1, Q1), (m2, v2, Q2) = mats(U), mats(U2)
    for ik, n, g, W in rots:
        blk1 = np.moveaxis(m1[ik, n:n + g, n:n + g], -1, 0)
        blk2 = np.moveaxis(m2[ik, n:n + g, n:n + g], -1, 0)
        assert np.abs(W.conj().T @ blk1 @ W - blk2).max() < 1e-12
    # the TRIM blocks are not zero (the test is not vacuous) and are traceless (TR)
    blocks = np.array([np.moveaxis(m1[ik, n:n + g, n:n + g], -1, 0) for ik, n, g, W in rots])
    assert np.abs(blocks).max() > 1e-5
    assert np.abs(np.trace(blocks, axis1=-2, axis2=-1)).max() < 1e-12
    for part in ("total", "current", "torque"):
        w1 = fcim_band_weights(m1, v1, Q1, start, size, part)
        w2 = fcim_band_weights(m2, v2, Q2, start, size, part)
        for ik in range(len(k)):
            for s in np.unique(start[ik]):
                sel = start[ik] == s
                assert np.abs(w1[ik, sel].sum(0) - w2[ik, sel].sum(0)).max() < 1e-12


# --------------------------------------------------------------- FCIM with the Bloch moment
def zeeman_square(b=(0.031, -0.022, 0.047)):
    """Decorated square plus a Zeeman term b.S: no degeneracies left (no Kramers pairs)."""
    tb = decorated_square()
    S = tb.operators()["S"]
    hop = dict(tb.hoppings)
    hop[(0, 0, 0)] = hop[(0, 0, 0)] + np.einsum("a,aij->ij", np.asarray(b), S)
    return dataclasses.replace(tb, hoppings=hop, name="decorated-square-zeeman")


def _fermi_prime(e, mu, kT):
    x = (e - mu) / kT
    return -1.0 / (kT * (np.exp(x / 2) + np.exp(-x / 2)) ** 2)


def fcim_bloch_brute_force(tb, mu, kT, eta, nk):
    """Per-k loop, printed Eq. (34) band by band with M_n the Bloch moment from its own
    sum-over-states loop; the system must have no degenerate bands on the grid."""
    Qw = tb.operators()["Q"]
    out = np.zeros((len(mu), 3, 3, 5))
    for i in range(nk):
        for j in range(nk):
            H, dH = tb.hamiltonian(np.array([[i / nk, j / nk, 0.0]]), derivative=True)
            e, u = np.linalg.eigh(H[0])
            assert np.diff(e).min() > 1e-8
            v = np.einsum("in,ijc,jm->cnm", u.conj(), dH[0], u)
            Q = np.einsum("in,cij,jm->cnm", u.conj(), Qw, u)
            for n in range(len(e)):
                m = np.zeros(3)
                for l in range(len(e)):
                    if l == n:
                        continue
                    for a, (b, c) in enumerate([(1, 2), (2, 0), (0, 1)]):
                        m[a] += (-0.5j * (v[b, n, l] * v[c, l, n] - v[c, n, l] * v[b, l, n])
                                 / (e[l] - e[n])).real
                t = np.einsum("a,b,c->abc", m, v[:, n, n].real, Q[:, n, n].real)
                out += _fermi_prime(e[n], mu, kT)[:, None, None, None] * t[None]
    return out / (eta * nk * nk * tb.cell_measure)


def test_fcim_bloch_agrees_with_plain_numpy_loop():
    tb = zeeman_square()
    ref = fcim_bloch_brute_force(tb, MU, KT, ETA, 16)
    got = fcim_bloch_response(tb, MU, KT, ETA, 16, symmetry=False)["bloch"]
    assert np.abs(ref).max() > 0
    assert np.abs(got - ref).max() < 1e-6 * np.abs(ref).max()


def test_total_moment_is_linear_combination(model):
    """M_total = b m_Bloch - (L + g S) in mu_B (b = mu_B per e t a^2/hbar, given)."""
    b, g = 3.7, 2.0023
    res = fcim_bloch_response(model, MU, KT, ETA, 12, moments=("bloch", "orbital", "total"),
                              symmetry=False, bloch_to_muB=b)
    ls = fcim_response(model, MU, KT, ETA, 12, moments=("L", "S"), symmetry=False)
    nat = fcim_bloch_response(model, MU, KT, ETA, 12, symmetry=False)["bloch"]
    scale = np.abs(res["total"]).max()
    assert np.abs(res["bloch"] - b * nat).max() < 1e-12 * scale
    assert np.abs(res["orbital"] - (b * nat - ls["L"])).max() < 1e-12 * scale
    assert np.abs(res["total"] - (b * nat - ls["L"] - g * ls["S"])).max() < 1e-12 * scale
    with pytest.raises(ValueError):
        fcim_bloch_response(model, MU, KT, ETA, 12, moments=("total",), symmetry=False)


@pytest.fixture(scope="module")
def bloch_split(model):
    return fcim_bloch_response(model, MU, KT, ETA, 24, parts=("total", "current", "torque"),
                               symmetry=False)


# FCIM paper Sec. III A (C4v): among f_{alpha x}, only f_xx^{xy}, f_yx^{x2-y2},
# f_yx^{3z2-r2} and f_zx^{yz} are allowed.
ALLOWED_AX = {(X, LAM["xy"]), (Y, LAM["x2-y2"]), (Y, LAM["3z2-r2"]), (Z, LAM["yz"])}


@pytest.mark.parametrize("key", ["bloch", "bloch_current", "bloch_torque"])
def test_c4v_selection_rules_without_symmetrization(bloch_split, key):
    """The k-sum is not symmetrized (symmetry=False): the zeros come from the moment."""
    f = bloch_split[key]
    largest = np.abs(f).max()
    assert largest > 0
    for a in range(3):
        for lam in range(5):
            if (a, lam) not in ALLOWED_AX:
                assert np.abs(f[:, a, X, lam]).max() < 1e-8 * largest, (a, LAMBDAS[lam])
    # allowed and finite (f_xx^{xy} is small for the Bloch moment: ~1e-3 of the largest)
    for a, lam in ALLOWED_AX - {(Z, LAM["yz"])}:
        assert np.abs(f[:, a, X, lam]).max() > 1e-4 * largest
    sym = pytest.importorskip("w90resp.symmetry")
    sym.check_tensor("fcim", f, sym.point_group_from_symbol("C4v"))


def test_split_and_symmetrized_run(model, bloch_split):
    tot, cur, tor = (bloch_split[k] for k in ("bloch", "bloch_current", "bloch_torque"))
    assert np.abs(cur + tor - tot).max() < 1e-10 * np.abs(tot).max()
    sym = fcim_bloch_response(model, MU, KT, ETA, 24, symmetry=True)["bloch"]
    assert np.abs(sym - tot).max() < 1e-8 * np.abs(tot).max()
