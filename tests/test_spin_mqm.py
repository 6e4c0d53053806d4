"""Spin MQM / spin ME / gravito-ME against Shitade, Daido & Yanase.

Every expected value is computed here independently: the closed forms below Eq. (22)
(Omega^x_{x pm} = -+ alpha b / 4 Delta^3, m^x_{x pm} = alpha b / 4 Delta^2 with
Delta = sqrt(alpha^2 p^2 + b^2), hbar = m = alpha = 1), radial integrals of Eqs. (8a),
(19a), (19b) with scipy.integrate.quad, the zero-temperature Fermi-surface formula (E1)
for the Mott relation (21), finite differences for Eq. (4), and Neumann's principle.
"""
import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

from w90resp.models.rashba import rashba_fm, rashba_insulator
from w90resp.orbitals import Orbital
from w90resp.responses.spin_mqm import (band_geometry, band_resolved, gravito_bracket,
                                        integrated_fermi, polar_response, spin_mqm_response,
                                        thermal_weights, unit_factors)
from w90resp.tb import TightBinding

B = 0.5
SX = np.array([[0, 1], [1, 0]], complex)
SY = np.array([[0, -1j], [1j, 0]])
SZ = np.diag([1.0, -1.0]).astype(complex)
PAULI = np.array([SX, SY, SZ])


# ------------------------------------------------------------------ references
def closed_forms(k, b=B):
    """(Omega_-, Omega_+), m (both bands) of the continuum model at |k|."""
    D = np.sqrt(k ** 2 + b ** 2)
    return (b / (4 * D ** 3), -b / (4 * D ** 3)), b / (4 * D ** 2)


def fermi(x, T):
    return 0.5 * (1 - np.tanh(x / (2 * T)))


def radial(quantity, mu, T, b=B):
    """Eqs. (8a), (19a), (19b) (q = g mu_B/hbar = 1) for Eq. (22) as int k dk/(2 pi)."""
    def integrand(k):
        D = np.sqrt(k * k + b * b)
        total = 0.0
        for s in (-1, 1):
            x = k * k / 2 + s * D - mu
            Om, m = -s * b / (4 * D ** 3), b / (4 * D ** 2)
            f = fermi(x, T)
            I = T * np.logaddexp(0, -x / T)
            total += {"alpha": Om * f, "M": -Om * I + m * f, "Tbeta_kubo": (Om * x + m) * f}[quantity]
        return total * k / (2 * np.pi)
    return quad(integrand, 0, 12, limit=400, epsabs=1e-14, epsrel=1e-12, points=[0.5, 1, 2, 3])[0]


def dalpha_dmu_T0(mu, b=B):
    """Eq. (E1): sum over Fermi crossings k_F Omega(k_F) / (2 pi |d eps/dk|)."""
    total = 0.0
    for s in (-1, 1):
        def e(k):
            return k * k / 2 + s * np.sqrt(k * k + b * b) - mu
        ks = np.linspace(1e-9, 6, 60001)
        v = e(ks)
        for i in np.nonzero(np.sign(v[:-1]) != np.sign(v[1:]))[0]:
            kf = brentq(e, ks[i], ks[i + 1])
            D = np.sqrt(kf * kf + b * b)
            total += kf * (-s * b / (4 * D ** 3)) / (2 * np.pi * abs(kf + s * kf / D))
    return total


def continuum_band_matrices(k, b=B):
    """E, band-basis v and S = sigma/2 of Eq. (22) at Cartesian k (nk, 2)."""
    kx, ky = k[:, 0], k[:, 1]
    H = ((kx ** 2 + ky ** 2) / 2)[:, None, None] * np.eye(2) \
        + ky[:, None, None] * SX - kx[:, None, None] * SY + b * SZ
    V = np.stack([kx[:, None, None] * np.eye(2) - SY, ky[:, None, None] * np.eye(2) + SX,
                  np.zeros_like(H)], axis=-1)
    E, U = np.linalg.eigh(H)
    Ud = np.conj(np.swapaxes(U, 1, 2))
    v = np.einsum("kmi,kijc,kjn->kmnc", Ud, V, U)
    S = np.einsum("kmi,cij,kjn->kmnc", Ud, PAULI / 2, U)
    return E, v, S


# ----------------------------------------------------------- band-resolved (8b, 8c)
def test_band_geometry_closed_forms_continuum():
    rng = np.random.default_rng(1)
    k = rng.uniform(-2.5, 2.5, size=(50, 2))
    E, v, S = continuum_band_matrices(k)
    Om, m = band_geometry(E, v, S)
    (om_lo, om_hi), mm = closed_forms(np.linalg.norm(k, axis=1))
    for a in (0, 1):
        assert np.allclose(Om[:, 0, a, a], om_lo, atol=1e-12, rtol=1e-10)
        assert np.allclose(Om[:, 1, a, a], om_hi, atol=1e-12, rtol=1e-10)
        assert np.allclose(m[:, :, a, a], mm[:, None], atol=1e-12, rtol=1e-10)
    # in-plane spin: diagonal; v_z = 0; (spin z, i = x, y) is odd in the angle of k
    for a, i in ((0, 1), (1, 0), (0, 2), (1, 2), (2, 2)):
        assert np.abs(Om[:, :, a, i]).max() < 1e-12 and np.abs(m[:, :, a, i]).max() < 1e-12


def test_band_resolved_lattice_model_closed_forms():
    tb = rashba_fm(b=B)
    rng = np.random.default_rng(2)
    k = np.zeros((40, 3))
    k[:, :2] = rng.uniform(-1.2, 1.2, size=(40, 2))
    r = band_resolved(tb, k, cartesian=True)
    kk = np.linalg.norm(k, axis=1)
    (om_lo, om_hi), mm = closed_forms(kk)
    D = np.sqrt(kk ** 2 + B ** 2)
    assert np.allclose(r["E"], np.stack([kk ** 2 / 2 - D, kk ** 2 / 2 + D], 1), atol=1e-8)
    for a in (0, 1):
        assert np.abs(r["Omega"][:, 0, a, a] - om_lo).max() < 1e-8
        assert np.abs(r["Omega"][:, 1, a, a] - om_hi).max() < 1e-8
        assert np.abs(r["m"][:, :, a, a] - mm[:, None]).max() < 1e-8
    # the same k path in reduced coordinates
    r2 = band_resolved(tb, k @ tb.real_lattice.T / (2 * np.pi))
    assert np.allclose(r2["Omega"], r["Omega"], atol=1e-12)


# ------------------------------------------------------- k sums against quad
MU_CHECK = np.array([-0.55, -0.3, 0.0, 0.3])


@pytest.fixture(scope="module")
def rashba_T01():
    return spin_mqm_response(rashba_fm(b=B), MU_CHECK, 0.1, 400, symmetry=True)


@pytest.mark.parametrize("quantity", ["alpha", "M", "Tbeta_kubo"])
def test_responses_match_radial_integrals(rashba_T01, quantity):
    ref = np.array([radial(quantity, mu, 0.1) for mu in MU_CHECK])
    got = rashba_T01[quantity]
    assert np.allclose(got[:, 0, 0], ref, rtol=1e-3, atol=0)
    assert np.allclose(got[:, 1, 1], ref, rtol=1e-3, atol=0)


def test_tbeta_is_kubo_minus_mqm(rashba_T01):
    # Eq. (18) is evaluated through the separate bracket of Eq. (20)
    r = rashba_T01
    assert np.allclose(r["Tbeta"], r["Tbeta_kubo"] - r["M"], atol=1e-12)


def test_radial_at_lower_temperature_grid_and_polar():
    mu = np.array([-0.2, 0.2])
    ref = np.array([[radial(q, m, 0.05) for q in ("alpha", "M", "Tbeta_kubo")] for m in mu])
    tb = rashba_fm(b=B)
    grid = spin_mqm_response(tb, mu, 0.05, 400, quantities=("alpha", "M", "Tbeta_kubo"))
    polar = polar_response(tb, mu, 0.05, kmax=5.0, nk_radial=4000, n_phi=1,
                           quantities=("alpha", "M", "Tbeta_kubo"))
    for j, q in enumerate(("alpha", "M", "Tbeta_kubo")):
        assert np.allclose(grid[q][:, 0, 0], ref[:, j], rtol=1e-3, atol=0)
        assert np.allclose(polar[q][:, 0, 0], ref[:, j], rtol=1e-4, atol=0)


# -------------------------------------------------------------- low temperature
def test_kubo_finite_gravito_me_small_at_T0001():
    """Fig. 1(a): at T = 0.001, T beta~ is finite and T beta = T beta~ - M is tiny."""
    mu = np.array([-0.4, -0.2, 0.0, 0.2, 0.4])
    r = spin_mqm_response(rashba_fm(b=B), mu, 0.001, 400, quantities=("M", "Tbeta_kubo", "Tbeta"))
    tk, tb_ = r["Tbeta_kubo"][:, 0, 0], r["Tbeta"][:, 0, 0]
    ref = np.array([radial("Tbeta_kubo", m, 0.001) for m in mu])
    assert np.all(np.abs(tk) > 0.5 * np.abs(ref)) and np.all(np.abs(ref) > 1e-3)
    assert np.all(np.abs(tb_) < 1e-2 * np.abs(tk))
    assert np.allclose(r["M"][:, 0, 0], tk, rtol=1e-3)


def test_beta_vanishes_linearly_as_T_to_0():
    """beta = T beta / T -> 0 with beta/T finite (polar quadrature resolves small T)."""
    Ts = np.array([0.0025, 0.005, 0.01, 0.02])
    mu = np.array([0.0, 0.8])
    r = polar_response(rashba_fm(b=B), mu, Ts, kmax=5.0, nk_radial=20000, n_phi=1,
                       quantities=("Tbeta",))
    beta = r["Tbeta"][:, :, 0, 0] / Ts[:, None]
    assert np.all(np.abs(beta[:-1]) < np.abs(beta[1:]))          # decreasing with T
    slope = beta / Ts[:, None]
    assert np.allclose(slope, slope[0], rtol=0.05)                 # beta ~ T
    # T = 0 itself gives exactly zero
    r0 = polar_response(rashba_fm(b=B), mu, 0.0, kmax=5.0, nk_radial=2000, n_phi=1,
                        quantities=("Tbeta",))
    assert np.all(r0["Tbeta"] == 0)


def test_mott_relation_grid():
    """Eq. (21): beta/T = (pi^2/3) d alpha/d mu (T = 0) to 2 % at T = 0.01."""
    mu = np.array([-0.3, 0.0, 0.8, 1.2])
    T = 0.01
    r = spin_mqm_response(rashba_fm(b=B), mu, T, 1000, quantities=("Tbeta", "dalpha_dmu"))
    mott = np.pi ** 2 / 3 * np.array([dalpha_dmu_T0(m) for m in mu])
    beta_over_T = r["Tbeta"][:, 0, 0] / T ** 2
    assert np.allclose(beta_over_T, mott, rtol=0.02, atol=0)
    # the Fermi-surface sum of the calculator is d alpha/d mu at temperature T
    assert np.allclose(r["dalpha_dmu"][:, 0, 0], mott * 3 / np.pi ** 2, rtol=0.02)


def test_mott_relation_paper_temperature():
    mu = np.array([-0.4, -0.1, 0.3, 0.7, 1.0, 1.4])
    T = 0.001
    r = polar_response(rashba_fm(b=B), mu, T, kmax=5.0, nk_radial=30000, n_phi=1,
                       quantities=("Tbeta",))
    mott = np.pi ** 2 / 3 * np.array([dalpha_dmu_T0(m) for m in mu])
    assert np.allclose(r["Tbeta"][:, 0, 0] / T ** 2, mott, rtol=0.02, atol=0)


# ------------------------------------------------------------ Eq. (4), insulator
def test_insulator_relation_eq4():
    tb = rashba_insulator()
    mu0 = np.array([0.0, 0.2, 0.4])              # inside the gap (-0.3, 0.7)
    h = 0.01
    mus = np.concatenate([mu0 - h, mu0, mu0 + h])
    r = spin_mqm_response(tb, mus, 0.002, 48, quantities=("alpha", "M"))
    n = len(mu0)
    M = r["M"][:, 0, 0]
    dM = (M[2 * n:] - M[:n]) / (2 * h)
    alpha = r["alpha"][n:2 * n, 0, 0]
    assert np.abs(alpha).min() > 1e-3
    assert np.allclose(-dM, alpha, rtol=1e-3, atol=0)              # q = 1
    assert np.allclose(r["alpha"][n:2 * n, 1, 1], alpha, rtol=1e-10)


# -------------------------------------------------------------------- symmetry
def test_time_reversal_symmetric_model_gives_zero():
    mu = np.array([-0.2, 0.3, 1.0])
    ref = spin_mqm_response(rashba_fm(b=B), mu, 0.05, 200, symmetry=False)
    r0 = spin_mqm_response(rashba_fm(b=0.0), mu, 0.05, 200, symmetry=False)
    for q in ("alpha", "M", "Tbeta_kubo", "Tbeta", "dalpha_dmu"):
        assert np.abs(r0[q]).max() < 1e-10 * np.abs(ref[q]).max()
    with pytest.warns(UserWarning, match="no magnetic moments"):
        rs = spin_mqm_response(rashba_fm(b=0.0), mu, 0.05, 60, symmetry=True)
    assert all(np.abs(rs[q]).max() < 1e-20 for q in ("alpha", "M", "Tbeta"))


def test_allowed_components_4mpmp():
    """Magnetic point group 4m'm' (C4z, mirrors x, y with time reversal): for a T-odd
    axial(a) x polar(i) tensor C4z gives T_xx = T_yy, T_xy = -T_yx, no xz, zx, yz, zy;
    m_x' (x -> -x with T) then kills T_xy: only xx = yy and zz (zero in 2D)."""
    r = spin_mqm_response(rashba_fm(b=B), np.array([-0.3, 0.2, 0.9]), 0.05, 200, symmetry=False)
    for q in ("alpha", "M", "Tbeta_kubo", "Tbeta"):
        t = r[q]
        scale = np.abs(t).max()
        assert scale > 0
        assert np.allclose(t[:, 0, 0], t[:, 1, 1], rtol=1e-8, atol=1e-12 * scale)
        mask = np.ones((3, 3), bool)
        mask[0, 0] = mask[1, 1] = False
        assert np.abs(t[:, mask]).max() < 1e-10 * scale
        try:
            from w90resp.symmetry import check_tensor, point_group_from_symbol
        except ImportError:
            continue
        check_tensor("spin-me", t, point_group_from_symbol("4m'm'"))


# ------------------------------------------------------------- gauge invariance
def doubled(tb, spin_rotation=None):
    """Two decoupled copies of a one-site spinful model on two sites, the second one
    written in a spin-rotated basis, H2(R) = U H(R) U^dagger: every band is exactly
    twice degenerate, and with a rotation the spin is not proportional to the identity
    inside the degenerate pairs."""
    nw = tb.num_wann
    U = np.eye(nw) if spin_rotation is None else spin_rotation
    orbs = list(tb.orbitals) + [Orbital(1, "R2", o.position, o.shell, o.orbital, o.spin)
                                for o in tb.orbitals]
    hop = {}
    for R, h in tb.hoppings.items():
        big = np.zeros((2 * nw, 2 * nw), complex)
        big[:nw, :nw] = h
        big[nw:, nw:] = U @ h @ U.conj().T
        hop[R] = big
    return TightBinding(name="doubled", real_lattice=tb.real_lattice, orbitals=orbs,
                        hoppings=hop, periodic=tb.periodic, atoms=[], parameters={})


def spin_rotation(axis, angle):
    n = np.asarray(axis, float) / np.linalg.norm(axis)
    ns = np.einsum("a,aij->ij", n, PAULI)
    return np.cos(angle / 2) * np.eye(2) - 1j * np.sin(angle / 2) * ns


def test_degenerate_group_traces_are_gauge_invariant():
    Ur = spin_rotation([1, 2, 0.5], 1.1)
    tb = doubled(rashba_insulator(), Ur)
    rng = np.random.default_rng(3)
    kr = np.zeros((30, 3))
    kr[:, :2] = rng.uniform(0, 1, size=(30, 2))
    H, dH = tb.hamiltonian(kr, derivative=True)
    E, U = np.linalg.eigh(H)
    assert np.abs(E[:, 0::2] - E[:, 1::2]).max() < 1e-12           # exact pairs
    Sw = tb.operators()["S"]

    def geometry(U):
        Ud = np.conj(np.swapaxes(U, 1, 2))
        v = np.einsum("kmi,kijc,kjn->kmnc", Ud, dH, U)
        S = np.einsum("kmi,cij,kjn->kmnc", Ud, Sw, U)
        return band_geometry(E, v, S)

    Om, m = geometry(U)
    # random unitary rotation inside each degenerate pair
    W = np.zeros((30, 4, 4), complex)
    for blk in (slice(0, 2), slice(2, 4)):
        X = rng.normal(size=(30, 2, 2)) + 1j * rng.normal(size=(30, 2, 2))
        W[:, blk, blk] = np.linalg.qr(X)[0]
    Om2, m2 = geometry(U @ W)

    def pair(x):
        return x[:, 0::2] + x[:, 1::2]
    assert np.abs(pair(Om2) - pair(Om)).max() < 1e-10
    assert np.abs(pair(m2) - pair(m)).max() < 1e-10
    assert np.abs(Om2 - Om).max() > 1e-4                          # single bands are not invariant
    # expected pair sums: copy 1 plus copy 1 with the rotated spin U^+ s_a U = R_ab s_b
    Rot = np.einsum("ij,aj k,kl,bli->ab".replace(" ", ""), Ur.conj().T, PAULI, Ur, PAULI).real / 2
    single = band_resolved(rashba_insulator(), kr)
    for q, got in (("Omega", pair(Om)), ("m", pair(m))):
        expect = single[q] + np.einsum("ab,knbi->knai", Rot, single[q])
        assert np.allclose(got, expect, atol=1e-10)


def test_degenerate_copies_double_the_response():
    tb1 = rashba_insulator()
    tb2 = doubled(tb1)
    mu = np.array([-0.5, 0.2, 0.9])
    r1 = spin_mqm_response(tb1, mu, 0.05, 32, symmetry=False)
    r2 = spin_mqm_response(tb2, mu, 0.05, 32, symmetry=False)
    for q in ("alpha", "M", "Tbeta_kubo", "Tbeta", "dalpha_dmu"):
        assert np.allclose(r2[q], 2 * r1[q], rtol=1e-9, atol=1e-12 * np.abs(r1[q]).max())


# --------------------------------------------------------------- weights, units
def test_thermal_weight_functions():
    T = 0.03
    for x in (-0.2, -0.01, 0.0, 0.05, 0.3):
        ref = quad(lambda z: fermi(z, T), x, x + 60 * T, epsabs=1e-14)[0]
        assert integrated_fermi(x, T) == pytest.approx(ref, rel=1e-9, abs=1e-14)
        assert gravito_bracket(x, T) == pytest.approx(x * fermi(x, T) + ref, rel=1e-8, abs=1e-14)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        big = np.array([-1e6, -50.0, 50.0, 1e6])
        assert np.allclose(integrated_fermi(big, 1e-4), np.maximum(-big, 0))
        assert np.all(gravito_bracket(big, 1e-4) == 0)
        W = thermal_weights(big, [0.0], 1e-4)
        assert np.all(np.isfinite(W["mfp"])) and np.allclose(W["f"], [[1, 1, 0, 0]])
    assert np.allclose(integrated_fermi(np.array([-0.3, 0.2]), 0.0), [0.3, 0.0])
    assert np.all(gravito_bracket(np.array([-0.3, 0.2]), 0.0) == 0)


def test_paper_units_closed_form_T0():
    """For -b < mu < b only the lower band is occupied, a disk of radius k_F; with
    w_F = 1 + sqrt(1 + b^2 + 2 mu) = Delta(k_F), integrating the closed forms gives
    alpha = 2 - 1/w_F ... in units (q/m a^2)(g mu_B/hbar)(b/8 pi a):  m a^2 (1/b - 1/w_F)
    and M = (w_F - b)/2 + (b^2 + 2 mu)(1/w_F - 1/b)/2 in (g mu_B/hbar)(b/8 pi a)."""
    tb = rashba_fm(b=B)
    mu = np.array([-0.3, 0.0, 0.35])
    r = polar_response(tb, mu, 0.001, kmax=4.0, nk_radial=20000, n_phi=1,
                       quantities=("alpha", "M"))
    f = unit_factors(tb, "paper")
    wF = 1 + np.sqrt(1 + B ** 2 + 2 * mu)
    assert np.allclose(r["alpha"][:, 0, 0] * f["alpha"][0], 1 / B - 1 / wF, rtol=1e-4)
    M_ref = (wF - B) / 2 + (B ** 2 + 2 * mu) * (1 / wF - 1 / B) / 2
    assert np.allclose(r["M"][:, 0, 0] * f["M"][0], M_ref, rtol=1e-4)
    with pytest.raises(ValueError):
        unit_factors(tb, "si")
    with pytest.raises(ValueError):
        unit_factors(rashba_fm(b=0.0), "paper")


# ------------------------------------------------------ windowed family sums
@pytest.mark.parametrize("kT", [0.0, 0.002, 0.05])
def test_family_sums_match_dense_weights(kT):
    """One windowed pass for several quantities = thermal_weights @ Omega, m (all states)."""
    from w90resp.responses.spin_mqm import QUANTITIES, combine, family_sums
    rng = np.random.default_rng(5)
    E = np.sort(rng.uniform(-4.0, 3.0, 3000))
    E[:5] = [-0.5, -0.5, 0.0, 0.25, 1.0]                  # states exactly at some mu
    Om, m = rng.normal(size=(2, E.size, 3, 3))
    mu = np.linspace(-0.5, 1.0, 7)
    qs = [q for q in QUANTITIES if kT > 0 or q != "dalpha_dmu"]
    got = family_sums(E, Om, m, mu, kT, qs, max_entries=500)
    W = thermal_weights(E, mu, kT, ("f", "I", "xf", "g") + (("mfp",) if kT > 0 else ()))
    for q in qs:
        ref = combine(W, Om, m, q)
        assert np.allclose(got[q], ref, rtol=0, atol=1e-11 * np.abs(ref).max()), q


def test_spin_family_shares_one_evaluation():
    """Calculators of one family give the same tensors as single-quantity runs."""
    from w90resp import runner
    from w90resp.responses.spin_mqm import SpinMQM
    tb = rashba_insulator()
    S = tb.operators()["S"]
    mu = np.array([-0.6, 0.1, 0.8])
    family = {q: SpinMQM(q, S, mu, 0.05, cell_measure=tb.cell_measure)
              for q in ("alpha", "M", "Tbeta_kubo", "Tbeta", "dalpha_dmu")}
    together = runner.run(tb, family, 12, symmetry=False)
    for q in family:
        alone = runner.run(tb, {q: SpinMQM(q, 2 * S, mu, 0.05, cell_measure=tb.cell_measure)},
                           12, symmetry=False)[q]
        assert np.allclose(2 * together[q], alone, rtol=1e-12, atol=1e-14)
