"""Lattice Rashba models: Hamiltonian against Eq. (22), stencils, convergence, symmetry."""
import numpy as np
import pytest
from scipy.integrate import quad

from w90resp.models.rashba import rashba_fm, rashba_insulator, stencil_coefficients
from w90resp.responses.spin_mqm import polar_response
from w90resp.runner import prepare_system

SX = np.array([[0, 1], [1, 0]], complex)
SY = np.array([[0, -1j], [1j, 0]])
SZ = np.diag([1.0, -1.0]).astype(complex)


def continuum_H(k, b, alpha=1.0, mass=1.0):
    kx, ky = k[..., 0], k[..., 1]
    return ((kx ** 2 + ky ** 2) / (2 * mass))[..., None, None] * np.eye(2) \
        + alpha * (ky[..., None, None] * SX - kx[..., None, None] * SY) + b * SZ


def cart_to_red(tb, k):
    return np.asarray(k) @ tb.real_lattice.T / (2 * np.pi)


@pytest.mark.parametrize("order", [2, 4, 8, 16])
def test_stencil_coefficients_reproduce_k_and_k2(order):
    d, c = stencil_coefficients(order)
    x = np.array([1e-2, 2e-2])
    j = np.arange(1, len(d) + 1)[:, None]
    k1 = (d[:, None] * np.sin(j * x)).sum(0)
    k2 = (c[:, None] * (2 - 2 * np.cos(j * x))).sum(0)
    # truncation error O(x^(order+1)) and O(x^(order+2)); round-off ~1e-16 relative
    assert np.allclose(k1, x, rtol=max(1e-14, 10 * x[1] ** order), atol=0)
    assert np.allclose(k2, x ** 2, rtol=max(1e-12, 10 * x[1] ** order), atol=0)
    if order == 2:
        assert np.allclose(d, [1.0]) and np.allclose(c, [1.0])
    if order == 4:
        assert np.allclose(d, [4 / 3, -1 / 6]) and np.allclose(c, [4 / 3, -1 / 12])


def test_stencil_order_must_be_even():
    with pytest.raises(ValueError):
        stencil_coefficients(3)


def test_rashba_fm_matches_eq22_at_small_k():
    tb = rashba_fm(b=0.5, alpha=1.3, mass=0.8)
    assert tb.hermiticity_error() < 1e-14
    rng = np.random.default_rng(0)
    k = np.zeros((20, 3))
    k[:, :2] = rng.uniform(-1.2, 1.2, size=(20, 2))
    H, dH = tb.hamiltonian(cart_to_red(tb, k), derivative=True)
    assert np.abs(H - continuum_H(k, 0.5, 1.3, 0.8)).max() < 1e-8
    # velocity: k/m - alpha sigma_y, k_y/m + alpha sigma_x
    vx = k[:, 0, None, None] / 0.8 * np.eye(2) - 1.3 * SY
    vy = k[:, 1, None, None] / 0.8 * np.eye(2) + 1.3 * SX
    assert np.abs(dH[..., 0] - vx).max() < 1e-7
    assert np.abs(dH[..., 1] - vy).max() < 1e-7
    assert np.abs(dH[..., 2]).max() == 0


def test_rashba_fm_zone_boundary_states_are_high():
    tb = rashba_fm(b=0.5)
    a = tb.real_lattice[0, 0]
    g = np.linspace(-0.5, 0.5, 81)
    kr = np.array([[x, y, 0] for x in g for y in g])
    E = np.linalg.eigvalsh(tb.hamiltonian(kr))
    kc = np.linalg.norm(kr[:, :2], axis=1) * 2 * np.pi / a
    # the lowest energy outside |k| = 5 is far above the chemical potentials used (<~ 2)
    assert E[kc > 5, 0].min() > 6.0
    assert E[:, 0].min() == pytest.approx(-(1 + 0.5 ** 2) / 2, abs=2e-3)  # continuum band bottom


def _alpha_reference(mu, T, b):
    """alpha^x_x of Eq. (19a) for Eq. (22) (m = alpha = 1) by a radial integral."""
    def f(x):
        return 0.5 * (1 - np.tanh(x / (2 * T)))

    def integrand(k):
        D = np.sqrt(k * k + b * b)
        return k / (2 * np.pi) * sum(-s * b / (4 * D ** 3) * f(k * k / 2 + s * D - mu) for s in (-1, 1))
    return quad(integrand, 0, 12, limit=400, epsabs=1e-14, epsrel=1e-12, points=[0.5, 1, 2, 3])[0]


def test_lattice_regularization_converges_to_continuum():
    """Error of alpha^x_x against the continuum: O(a^2) for nearest neighbours, and
    decreasing with the stencil order at fixed a (default model: < 1e-6 relative)."""
    mu, T, b = np.array([0.3, 1.0]), 0.1, 0.5
    ref = np.array([_alpha_reference(m, T, b) for m in mu])

    def err(**kw):
        r = polar_response(rashba_fm(b=b, **kw), mu, T, kmax=6.0, nk_radial=6000, n_phi=3,
                           quantities=("alpha",))
        return np.abs(r["alpha"][:, 0, 0] / ref - 1).max()

    e_nn = [err(lattice_constant=a, order=2) for a in (0.2, 0.1, 0.05)]
    assert e_nn[0] > e_nn[1] > e_nn[2]
    assert 3.0 < e_nn[0] / e_nn[1] < 5.0 and 3.0 < e_nn[1] / e_nn[2] < 5.0   # ~ a^2
    e_order = [err(lattice_constant=0.25, order=o) for o in (2, 4, 8, 16)]
    assert all(x > y for x, y in zip(e_order, e_order[1:]))
    assert e_order[-1] < 1e-6                        # at the level of the radial quadrature


def test_magnetic_moments_and_point_group():
    tb = rashba_fm(b=0.5)
    assert tb.magnetic_moments is not None
    pg = prepare_system(tb).pointgroup
    ops = pg.symmetries
    assert len(ops) == 8                              # 4m'm': C4 rotations + primed mirrors
    assert not any(op.TR and not op.Inv and np.allclose(op.R, np.eye(3)) for op in ops)
    assert all(op.TR == op.Inv for op in ops)         # mirrors (I x C2) come with T
    tb0 = rashba_fm(b=0.0)
    assert tb0.magnetic_moments is None
    assert len(prepare_system(tb0).pointgroup.symmetries) == 16   # 4mm1'


def test_rashba_insulator_gap():
    tb = rashba_insulator()
    g = np.linspace(0, 1, 60, endpoint=False)
    kr = np.array([[x, y, 0] for x in g for y in g])
    E = np.linalg.eigvalsh(tb.hamiltonian(kr))
    assert E[:, 1].min() - E[:, 0].max() > 0.6 - 1e-9   # 2(b - 2 m_z - 4t) = 0.6
    assert tb.magnetic_moments is not None
