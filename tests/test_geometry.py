"""Band geometry: every analytic derivative against finite differences of the numpy
reference ``TightBinding.hamiltonian`` (finite differences appear only here)."""
import numpy as np
import pytest

from w90resp.models.honeycomb_phonon import honeycomb_phonon
from w90resp.models.pt_afm import pt_afm
from w90resp.responses import geometry as g

H_STEP = 1e-5


def _kpoints(n, seed):
    k = np.random.default_rng(seed).random((n, 3))
    k[:, 2] = 0
    return k


def _shift(tb, k_red, j, h):
    """Reduced k displaced by h along Cartesian direction j."""
    return k_red + h * np.linalg.solve(tb.recip_lattice.T, np.eye(3)[j])


def _fd(tb, func, k_red, j, h=H_STEP):
    return (func(_shift(tb, k_red, j, h)) - func(_shift(tb, k_red, j, -h))) / (2 * h)


def _projector(tb, k_red, bands):
    E, U = np.linalg.eigh(tb.hamiltonian(k_red))
    Ub = U[:, :, bands]
    return Ub @ Ub.conj().swapaxes(-1, -2)


def _metric_fd(tb, k_red, bands, h=1e-4):
    """Quantum metric of the projector onto ``bands``: Re Tr[P d_i P d_l P] by FD of P."""
    dP = [_fd(tb, lambda k: _projector(tb, k, bands), k_red, j, h) for j in range(2)]
    P = _projector(tb, k_red, bands)
    return np.array([[np.einsum("kab,kbc,kca->k", P, dP[i], dP[l]).real for l in range(2)]
                     for i in range(2)]).transpose(2, 0, 1)


@pytest.fixture(scope="module")
def generic():
    """A honeycomb-phonon snapshot: no symmetry, nondegenerate bands."""
    return honeycomb_phonon(phase=0.7, t1=0.13, delta=0.25, dt0=0.15)


def test_hamiltonian_derivatives_match_reference(generic):
    k = _kpoints(6, 0)
    H, dH, d2H = g.tb_hamiltonian_derivatives(generic, k)
    Href, dHref = generic.hamiltonian(k, derivative=True)
    assert np.allclose(H, Href, atol=1e-13) and np.allclose(dH, dHref, atol=1e-13)
    for j in range(2):
        fd = _fd(generic, lambda kk: generic.hamiltonian(kk, derivative=True)[1], k, j)
        assert np.allclose(d2H[..., j], fd, atol=1e-8)


def test_velocity_diagonal_is_band_slope(generic):
    k = _kpoints(5, 1)
    E, v, w = g.bands_on_kpoints(generic, k)
    for j in range(2):
        dE = _fd(generic, lambda kk: np.linalg.eigvalsh(generic.hamiltonian(kk)), k, j)
        assert np.allclose(np.einsum("knn->kn", v[..., j]).real, dE, atol=1e-8)
        # d_j v_nn = w_nn^{jj} + 2 Re sum_m |v_nm|^2/(e_n - e_m): the inverse mass from the
        # covariant derivative
        dv = g.covariant_derivative(v, w, v, E, g.pair_weights(E))
        d2E = (np.linalg.eigvalsh(generic.hamiltonian(_shift(generic, k, j, 1e-4)))
               - 2 * E + np.linalg.eigvalsh(generic.hamiltonian(_shift(generic, k, j, -1e-4)))) / 1e-8
        assert np.allclose(np.einsum("knn->kn", dv[..., j, j]).real, d2E, rtol=1e-4, atol=1e-5)


def test_berry_connection_and_interband_moment_against_fd(generic):
    """A^{nm} = i<n|d m> and M^{mn} of Eq. (11) from FD eigenvector derivatives.

    Compared through products that are invariant under band phases (the analytic and
    the FD evaluation diagonalize independently).
    """
    k = _kpoints(4, 2)
    E, v, w = g.bands_on_kpoints(generic, k)
    A = g.berry_connection(E, v)
    M = g.interband_orbital_moment(E, v, charge=-1.0)
    # FD: eigenvectors at k and k +- h, phases aligned to those at k (parallel transport)
    Ek, U = np.linalg.eigh(generic.hamiltonian(k))
    dU = []
    for j in range(2):
        Us = []
        for s in (+1, -1):
            _, Ui = np.linalg.eigh(generic.hamiltonian(_shift(generic, k, j, s * H_STEP)))
            ov = np.einsum("kin,kin->kn", U.conj(), Ui)
            Us.append(Ui * (ov.conj() / np.abs(ov))[:, None, :])
        dU.append((Us[0] - Us[1]) / (2 * H_STEP))
    Afd = np.stack([1j * U.conj().swapaxes(-1, -2) @ dU[j] for j in range(2)], -1)   # i<n|d m>
    Hk, dH = generic.hamiltonian(k, derivative=True)
    vfd = np.einsum("kim,kija,kjn->kmna", U.conj(), dH, U)
    nb = E.shape[1]
    off = ~np.eye(nb, dtype=bool)
    # gauge-invariant |A_nm|^2 and A^x_nm A^y_mn
    assert np.allclose(abs(A[..., 0]) ** 2 * off, abs(Afd[..., 0]) ** 2 * off, atol=1e-7)
    assert np.allclose((A[..., 0] * A[..., 1].swapaxes(1, 2)) * off,
                       (Afd[..., 0] * Afd[..., 1].swapaxes(1, 2)) * off, atol=1e-7)
    # M^{mn} = (e/2) sum_{m' != n} [(v^{mm'} + v^n d_{mm'}) x A^{m'n}]_z, e = -1, from FD A
    Mfd = np.zeros_like(M)
    for kk in range(len(k)):
        for m in range(nb):
            for n in range(nb):
                s = 0
                for mp in range(nb):
                    if mp == n:
                        continue
                    vv = vfd[kk, m, mp, :2] + (vfd[kk, n, n, :2] if m == mp else 0)
                    s += vv[0] * Afd[kk, mp, n, 1] - vv[1] * Afd[kk, mp, n, 0]
                Mfd[kk, m, n] = -0.5 * s
    # phase-invariant products A^{i}_{nm} M^{mn}
    for i in range(2):
        prod = A[..., i] * M.swapaxes(1, 2)
        prod_fd = Afd[..., i] * Mfd.swapaxes(1, 2)
        assert np.allclose(prod * off, prod_fd * off, atol=1e-6)
    # the diagonal of M is minus the orbital moment m_n = (e/2) sum A_nm x v_mn
    m_orb = -0.5 * np.einsum("knm,kmn->kn", Afd[..., 0], vfd[..., 1]) \
        + 0.5 * np.einsum("knm,kmn->kn", Afd[..., 1], vfd[..., 0])
    assert np.allclose(np.einsum("knn->kn", M), -m_orb, atol=1e-6)


def test_quantum_metric_and_dipole_against_fd(generic):
    k = _kpoints(4, 3)
    E, v, w = g.bands_on_kpoints(generic, k)
    G = g.quantum_metric(E, v)
    for n in range(2):
        assert np.allclose(G[:, n, :2, :2], _metric_fd(generic, k, [n]), rtol=1e-5, atol=1e-6)
    dG = g.quantum_metric_dipole(E, v, w)
    for j in range(3):
        fd = _fd(generic, lambda kk: g.quantum_metric(*g.bands_on_kpoints(generic, kk)[:2]), k, j)
        assert np.allclose(dG[..., j], fd, rtol=1e-6, atol=1e-6 * abs(dG).max())


def test_degenerate_groups_are_gauge_covariant():
    """PT-doubled bands: group sums of G and d G equal the projector metric and its FD slope."""
    tb = pt_afm()
    k = _kpoints(3, 4)
    E, v, w = g.bands_on_kpoints(tb, k)
    assert np.allclose(E[:, 0], E[:, 1], atol=1e-12) and np.allclose(E[:, 2], E[:, 3], atol=1e-12)
    G = g.quantum_metric(E, v)
    assert np.allclose(G[:, :2, :2, :2].sum(1), _metric_fd(tb, k, [0, 1]), rtol=1e-5, atol=1e-5)
    dG = g.quantum_metric_dipole(E, v, w)
    for j in range(2):
        fd = _fd(tb, lambda kk: g.quantum_metric(*g.bands_on_kpoints(tb, kk)[:2])[:, :2].sum(1), k, j)
        assert np.allclose(dG[:, :2, ..., j].sum(1), fd, rtol=1e-6, atol=1e-6 * abs(dG).max())
    # a random unitary rotation inside each pair leaves the group sums unchanged
    rng = np.random.default_rng(7)
    X = rng.normal(size=(len(k), 2, 2)) + 1j * rng.normal(size=(len(k), 2, 2))
    Q, _ = np.linalg.qr(X)
    R = np.zeros((len(k), 4, 4), complex)
    R[:, :2, :2] = Q
    R[:, 2:, 2:] = np.linalg.qr(X.conj())[0]
    rot = lambda O: np.einsum("kmi,kmn...,knj->kij...", R.conj(), O, R)  # noqa: E731
    v2, w2 = rot(v), rot(w)
    for f in (lambda ee, vv, ww: g.quantum_metric_dipole(ee, vv, ww),
              lambda ee, vv, ww: g.lambda_vector(ee, vv, ww)):
        a, b = f(E, v, w), f(E, v2, w2)
        assert np.allclose(a[:, :2].sum(1), b[:, :2].sum(1), atol=1e-9 * abs(a).max())
        assert np.allclose(a[:, 2:].sum(1), b[:, 2:].sum(1), atol=1e-9 * abs(a).max())


def test_wannierberri_band_matrices_match_numpy(generic):
    """The calculators' inputs (Xbar('Ham', 1), Xbar('Ham', 2)) give the same Lambda."""
    from wannierberri.calculators.calculator import Calculator
    from wannierberri.result import EnergyResult
    from wannierberri.symmetry.point_symmetry import transform_ident

    from w90resp import runner
    store = {}

    class Grab(Calculator):
        def __call__(self, data_K):
            store["k"] = np.array(data_K.kpoints_all)
            store["L"] = g.lambda_vector(data_K.E_K, data_K.Xbar("Ham", 1), data_K.Xbar("Ham", 2))
            return EnergyResult(np.zeros(1), np.zeros((1, 3)), transformTR=transform_ident,
                                transformInv=transform_ident)

    runner.run(generic, {"g": Grab()}, 4, symmetry=False)
    E, v, w = g.bands_on_kpoints(generic, store["k"])
    L = g.lambda_vector(E, v, w)
    assert np.allclose(store["L"], L, atol=1e-9 * abs(L).max())


@pytest.mark.parametrize("model", ["generic", "pt", "mos2"])
def test_planar_lambda_equals_full_dipole_contraction(model, generic):
    """lambda_vector (in-plane products only) = Eq. (11) from the full d_j G_il tensor,
    with single bands, degenerate pairs everywhere (PT) and at TRIM (MoS2)."""
    from w90resp.models.mos2 import mos2
    tb = {"generic": lambda: generic, "pt": pt_afm, "mos2": mos2}[model]()
    k = _kpoints(6, 9)
    k[1] = [0.5, 0.0, 0.0]                                      # a TRIM (Kramers pairs)
    E, v, w = g.bands_on_kpoints(tb, k)
    tot, l1, l2 = g.lambda_vector(E, v, w, parts=True, charge=-1.0)
    ref1 = g.lambda_interband(E, v, charge=-1.0)
    ref2 = g.lambda_metric_dipole(g.quantum_metric_dipole(E, v, w), charge=-1.0)
    for a, b in ((l1, ref1), (l2, ref2), (tot, ref1 + ref2)):
        assert np.allclose(a, b, rtol=0, atol=1e-11 * np.abs(b).max())


def test_band_derivatives_match_xbar(generic):
    """Only-needed-components FFT + matmul rotation = WannierBerri's Xbar('Ham', 1 and 2)."""
    from wannierberri.calculators.calculator import Calculator
    from wannierberri.result import EnergyResult
    from wannierberri.symmetry.point_symmetry import transform_ident

    from w90resp import runner
    err = []

    class Grab(Calculator):
        def __call__(self, data_K):
            comps = [(0,), (1,), (2,), (0, 0), (0, 1), (1, 1), (1, 0)]
            mats = g.band_derivatives(data_K, comps)
            v, w = data_K.Xbar("Ham", 1), data_K.Xbar("Ham", 2)
            for ab, X in zip(comps, mats):
                full = v if len(ab) == 1 else w
                ref = full[(Ellipsis,) + ab]
                err.append(np.abs(X - ref).max() / np.abs(full).max())
            return EnergyResult(np.zeros(1), np.zeros((1, 3)), transformTR=transform_ident,
                                transformInv=transform_ident)

    runner.run(generic, {"g": Grab()}, 6, symmetry=False)
    assert err and max(err) < 1e-12
