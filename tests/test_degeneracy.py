"""Near-degenerate bands: the interband families are smooth functions of H.

The PT-symmetric AFM model doubles every band exactly; a small perturbation of strength
delta (layer bias or exchange imbalance, both break PT) splits each pair by ~delta.  The
expected values are computed in the tests by independent routes: the exactly degenerate
model (group treatment), the literal formula with a negligible regulator, and a direct
numpy k-sum of the Fermi-sea form.
"""
import numpy as np
import pytest

from w90resp.models.pt_afm import pt_afm
from w90resp.responses import _bands, geometry, orbital_me as om
from w90resp.responses.spin_mqm import band_geometry, spin_mqm_response

MU = np.array([-0.3, 0.5])       # two metallic chemical potentials (every band PT-doubled)
KT = 0.02
DELTAS = [1e-12, 1e-10, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2]


def split_model(kind, delta):
    """pt-afm with its PT pairs split by a layer bias or an exchange imbalance delta."""
    if kind == "exchange":
        return pt_afm(Jb=-0.8 + delta)
    tb = pt_afm()
    key = next(k for k in tb.hoppings if tuple(k) == (0, 0, 0))
    tb.hoppings[key] = tb.hoppings[key] + np.diag([delta / 2, delta / 2, -delta / 2, -delta / 2])
    return tb


def chi(tb, **kw):
    return om.orbital_me(tb, MU, KT, nk=24, quantities=("chi",), symmetry=False, **kw)["chi"][:, 0]


def spin_me(tb, **kw):
    return spin_mqm_response(tb, MU, KT, 24, quantities=("alpha",), symmetry=False,
                             **kw)["alpha"][:, 2, 0]


@pytest.mark.parametrize("kind", ["bias", "exchange"])
@pytest.mark.parametrize("family", [chi, spin_me], ids=["orbital_me", "spin_me"])
def test_smooth_in_the_splitting(kind, family):
    """delta << Gamma (= 1e-4): the degenerate-group value (delta = 0) to 1e-6;
    delta >> Gamma: the literal non-degenerate formula (regulator 1e-9) to 1e-6; no
    blow-up in between (every value within the range of the two limits, widened by
    their difference)."""
    group = family(split_model(kind, 0.0))
    vals = np.array([family(split_model(kind, d)) for d in DELTAS])
    scale = np.abs(group).max()
    assert scale > 0
    for d, v in zip(DELTAS, vals):
        if d <= 1e-7:
            assert np.allclose(v, group, rtol=1e-6, atol=1e-6 * scale), (d, v, group)
    literal = family(split_model(kind, 1e-2), degen_thresh=1e-9)
    assert np.allclose(vals[-1], literal, rtol=1e-6, atol=1e-6 * scale)
    lo = np.minimum(group, literal) - np.abs(group - literal) - 1e-3 * scale
    hi = np.maximum(group, literal) + np.abs(group - literal) + 1e-3 * scale
    assert np.all((vals >= lo) & (vals <= hi)), vals


def test_literal_limit_depends_on_the_perturbation():
    """The physical subtlety the regulator settles: the delta -> 0 limit of the literal
    formula is not the group value in a metal, and differs between perturbations
    (measured here, not assumed: both differ from the group value by > 1e-3 at mu = 0.5)."""
    group = chi(split_model("bias", 0.0))
    bias = chi(split_model("bias", 1e-3), degen_thresh=1e-9)
    exch = chi(split_model("exchange", 1e-3), degen_thresh=1e-9)
    assert abs(bias[1] - group[1]) > 1e-3 * abs(group[1])
    assert abs(bias[1] - exch[1]) > 1e-3 * abs(group[1])


def _random_pair_unitaries(E, rng):
    """Block-diagonal random U(2) on each exactly degenerate pair (nk, nb, nb)."""
    nk, nb = E.shape
    U = np.zeros((nk, nb, nb), complex)
    for n in range(0, nb, 2):
        z = rng.normal(size=(nk, 2, 2)) + 1j * rng.normal(size=(nk, 2, 2))
        q, _ = np.linalg.qr(z)
        U[:, n:n + 2, n:n + 2] = q
    return U


def test_gauge_invariance_inside_degenerate_pairs():
    """Random unitaries inside every PT pair change the pair sums of Lambda (Eq. 11), of
    the Fermi-surface metric term and of the spin-MQM Omega, m by < 1e-10 (relative)."""
    rng = np.random.default_rng(3)
    tb = pt_afm()
    k = rng.random((40, 3))
    k[:, 2] = 0
    E, v, w = geometry.bands_on_kpoints(tb, k)
    S = np.asarray(tb.operators()["S"])
    _, U0 = np.linalg.eigh(tb.hamiltonian(k))
    Sb = np.einsum("kin,aij,kjm->knma", U0.conj(), S, U0)
    assert np.abs(E[:, 1::2] - E[:, ::2]).max() < 1e-12
    U = _random_pair_unitaries(E, rng)
    Ud = U.conj().swapaxes(1, 2)
    rot = (lambda X: np.einsum("knm,kml...,klp->knp...", Ud, X, U))
    v2, w2, S2 = rot(v), rot(w), rot(Sb)

    def pair_sum(X):
        return X[:, ::2] + X[:, 1::2]

    def observables(E, v, w, S):
        lam = geometry.lambda_vector(E, v, w)
        K = geometry.fermi_surface_metric(E, np.ascontiguousarray(v[..., 0]),
                                          np.ascontiguousarray(v[..., 1]))
        Om, m = band_geometry(E, v, S)
        return [pair_sum(x) for x in (lam, K, Om, m)]

    for a, b in zip(observables(E, v, w, Sb), observables(E, v2, w2, S2)):
        scale = np.abs(a).max()
        assert scale > 0
        assert np.abs(a - b).max() <= 1e-10 * scale


def test_fermi_surface_form_equals_fermi_sea_form():
    """sum_n f0 (e/2) eps d_j G^n (Eq. 11, Fermi sea, numpy on a 160^2 grid) equals
    sum_n (-f0') K^n (the form the k-sums use) to 1e-6 of the largest value."""
    tb = pt_afm()
    n = 160
    g = (np.arange(n) + 0.5) / n
    k = np.zeros((n * n, 3))
    k[:, 0] = np.repeat(g, n)
    k[:, 1] = np.tile(g, n)
    sea = np.zeros((len(MU), 2))
    fs = np.zeros((len(MU), 2))
    for s in range(0, len(k), 4000):
        E, v, w = geometry.bands_on_kpoints(tb, k[s:s + 4000])
        _, _, metric = geometry.lambda_vector(E, v, w, parts=True)
        K = geometry.fermi_surface_metric(E, np.ascontiguousarray(v[..., 0]),
                                          np.ascontiguousarray(v[..., 1]))
        f = _bands.fermi(E, MU, KT)
        mdf = _bands.minus_fermi_derivative(E, MU, KT)
        sea += np.einsum("mkn,kni->mi", f, metric[..., :2])
        fs += np.einsum("mkn,kni->mi", mdf, K)
    scale = np.abs(sea).max()
    assert scale > 0
    assert np.abs(sea - fs).max() <= 1e-6 * scale


def test_regulator_limits():
    """pair_factors: 1/Delta (1 - (Gamma/Delta)^4) far from degeneracy, Delta^3/Gamma^4
    close to it, exactly (0, 1) at Delta = 0; Gamma = 0 is the bare inverse."""
    E = np.array([[0.0, 0.0, 1e-7, 1e-2]])
    g, c = _bands.pair_factors(E, 1e-4)
    assert g[0, 0, 1] == 0 and c[0, 0, 1] == 1
    assert np.isclose(g[0, 0, 3], 1e2 * (1 - 1e-8), rtol=1e-12)
    assert np.isclose(g[0, 0, 2], 1e-21 / 1e-16, rtol=1e-9)
    assert np.allclose(g, -g.swapaxes(1, 2)) and np.allclose(c, c.swapaxes(1, 2))
    g0, c0 = _bands.pair_factors(E, 0.0)
    assert np.isclose(g0[0, 0, 3], 1e2) and g0[0, 0, 1] == 0 and c0[0, 0, 1] == 1


def test_crossover_share_reports_pairs_split_near_the_scale():
    """The JSON share of Fermi-surface weight in [Gamma/10, 10 Gamma]: all of it when every
    PT pair is split by Gamma, none when the pairs are exact or split by 500 Gamma."""
    from argparse import Namespace
    from w90resp.commands._common import degeneracy_record
    args = Namespace(degen_thresh=1e-4, nk=24)
    share = {d: degeneracy_record(args, "interband", split_model("bias", d), MU, KT)
             ["share_in_crossover"] for d in (0.0, 1e-4, 5e-2)}
    assert np.all(share[1e-4] > 0.99)
    assert np.all(share[0.0] == 0) and np.all(share[5e-2] == 0)
