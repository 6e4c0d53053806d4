"""Intrinsic orbital magnetoelectric / magnetothermal responses (Xiao et al., PRB 103, 045401)."""
import numpy as np
import pytest

from w90resp.models.honeycomb_phonon import honeycomb, honeycomb_phonon
from w90resp.models.pt_afm import pt_afm
from w90resp.responses import geometry as g
from w90resp.responses import orbital_me as om


def _kpoints(n, seed):
    k = np.random.default_rng(seed).random((n, 3))
    k[:, 2] = 0
    return k


# ------------------------------------------------------------ Eq. (14) <-> Eq. (11)
def _alpha_o_eq14(tb, k_red, e=-1.0, h=1e-4):
    """alpha^o_{iz} of Xiao, Ren & Xiong Eq. (14), written from that paper's definitions.

    alpha^o_{iz} = -2e Re sum_{n1 != n} (A^k_i)_{n n1} (m_z)_{n1 n}/(e_n - e_n1)
                   + (e^2/2) eps_{z l s} d_{k_l} (G^kk_{s i})_n,
    m_{n1 n} = -(e/2) sum_{n2 != n} (v_{n1 n2} + delta_{n2 n1} v_n) x A^k_{n2 n},
    G^kk_n = Re sum_{n1 != n} A_{n n1} A_{n1 n}.  Plain loops over bands; the metric's
    k-derivative by central differences of the metric computed from FD projectors.
    """
    def bands(k):
        H, dH = tb.hamiltonian(k, derivative=True)
        E, U = np.linalg.eigh(H)
        v = np.einsum("kim,kija,kjn->kmna", U.conj(), dH, U)
        return E, v

    def metric(k):
        E, v = bands(k)
        nk, nb = E.shape
        G = np.zeros((nk, nb, 2, 2))
        for kk in range(nk):
            for n in range(nb):
                for n1 in range(nb):
                    if n1 == n:
                        continue
                    A_nn1 = 1j * v[kk, n, n1, :2] / (E[kk, n1] - E[kk, n])
                    A_n1n = 1j * v[kk, n1, n, :2] / (E[kk, n] - E[kk, n1])
                    G[kk, n] += np.outer(A_nn1, A_n1n).real
        return G

    E, v = bands(k_red)
    nk, nb = E.shape
    out = np.zeros((nk, nb, 2))
    B = tb.recip_lattice
    dG = []
    for l in range(2):
        step = h * np.linalg.solve(B.T, np.eye(3)[l])
        dG.append((metric(k_red + step) - metric(k_red - step)) / (2 * h))
    for kk in range(nk):
        A = np.zeros((nb, nb, 2), complex)
        for a in range(nb):
            for b in range(nb):
                if a != b:
                    A[a, b] = 1j * v[kk, a, b, :2] / (E[kk, b] - E[kk, a])
        for n in range(nb):
            for i in range(2):
                s = 0.0
                for n1 in range(nb):
                    if n1 == n:
                        continue
                    m = 0.0
                    for n2 in range(nb):
                        if n2 == n:
                            continue
                        vv = v[kk, n1, n2, :2] + (v[kk, n, n, :2] if n2 == n1 else 0)
                        m += vv[0] * A[n2, n, 1] - vv[1] * A[n2, n, 0]
                    m *= -e / 2
                    s += (A[n, n1, i] * m / (E[kk, n] - E[kk, n1])).real
                # eps_{z l s} d_l G_{s i}: l = x, s = y (+) and l = y, s = x (-)
                qmd = dG[0][kk, n, 1, i] - dG[1][kk, n, 0, i]
                out[kk, n, i] = -2 * e * s + e ** 2 / 2 * qmd
    return out


def test_eq14_of_adiabatic_paper_equals_e_times_eq11():
    """Same physics, two notations: e Lambda^n_i (Eq. 11, Xiao et al. 2021a) equals the
    per-state susceptibility alpha^o_{iz} of Eq. (14) (Xiao, Ren & Xiong 2021b).

    The interband moments differ by a sign, M^{mn}(Eq. 11) = -m_{mn}(Eq. 14), and so do the
    prefactors of the first terms (+2 vs -2e); the metric dipoles agree because G is
    symmetric, eps_{zls} d_l G_{si} = eps_{jl} d_j G_{il}.  Both are evaluated here on a
    symmetry-free snapshot of the honeycomb-phonon model.
    """
    tb = honeycomb_phonon(phase=1.1, t1=0.12, delta=0.3, dt0=0.2)
    k = _kpoints(3, 11)
    E, lam = om.lambda_on_kpoints(tb, k, charge=-1.0)
    e = -1.0
    ref = _alpha_o_eq14(tb, k, e=e)
    assert np.abs(ref).max() > 1e-2
    assert np.allclose(e * lam[..., :2], ref, rtol=1e-5, atol=1e-6 * np.abs(ref).max())
    # and the interband moment conventions: diagonal of m (Eq. 14) is the orbital moment
    Ev, v, w = g.bands_on_kpoints(tb, k)
    M = g.interband_orbital_moment(Ev, v, charge=e)
    assert np.all(np.abs(np.einsum("knn->kn", M)) > 0)


# ---------------------------------------------------- particle-hole symmetric model
def test_particle_hole_symmetric_two_band_only_metric_dipole():
    """Two bands with e_+ = -e_- (t1 = 0): the interband term of Lambda vanishes
    identically (v^{mm} + v^{nn} = 0 in M^{mn}), the quantum-metric dipole remains
    (Xiao, Ren & Xiong, text below Eq. 14)."""
    k = _kpoints(20, 12)
    tb = honeycomb_phonon(phase=0.4, t1=0.0, delta=0.2, dt0=0.1)
    E, (lam, inter, metric) = om.lambda_on_kpoints(tb, k, parts=True)
    assert np.allclose(E[:, 0], -E[:, 1])
    assert np.abs(metric).max() > 0.1
    assert np.abs(inter).max() < 1e-12 * np.abs(metric).max()
    assert np.allclose(lam, metric)
    # breaking particle-hole symmetry (t1 != 0) switches the interband term on
    tb1 = honeycomb_phonon(phase=0.4, t1=0.1, delta=0.2, dt0=0.1)
    _, (_, inter1, metric1) = om.lambda_on_kpoints(tb1, k, parts=True)
    assert np.abs(inter1).max() > 1e-2 * np.abs(metric1).max()


# ------------------------------------------------------------------- symmetry
@pytest.fixture(scope="module")
def pt_results():
    tb = pt_afm()
    mu = np.linspace(-1.5, 1.5, 31)
    sym = om.orbital_me(tb, mu, 0.02, nk=48, symmetry=True)
    nosym = om.orbital_me(tb, mu, 0.02, nk=48, symmetry=False)
    return tb, mu, sym, nosym


def test_pt_model_allowed_components(pt_results):
    """C2y (with PT): only chi_x, alpha_x survive; checked without symmetrization, and the
    symmetrized run (magnetic group from the moments) agrees."""
    tb, mu, sym, nosym = pt_results
    for q in ("chi", "alpha"):
        scale = np.abs(nosym[q][:, 0]).max()
        assert scale > 0
        assert np.abs(nosym[q][:, 1]).max() < 1e-10 * scale
        assert np.allclose(sym[q], nosym[q], atol=1e-10 * scale)
    from w90resp.symmetry import check_tensor, point_group_from_symbol
    pg = point_group_from_symbol("2/m'")       # monoclinic unique axis y
    check_tensor("orbital-me", nosym["chi"][:, :2], pg, forbidden_tol=1e-10)
    check_tensor("orbital-me", nosym["alpha"][:, :2], pg, forbidden_tol=1e-10)


def test_runner_finds_magnetic_group():
    from w90resp import runner
    tb = pt_afm()
    system = runner.prepare_system(tb, symmetry=True)
    ops = system.pointgroup.symmetries
    assert len(ops) == 4
    # the pure inversion and the pure time reversal are absent, PT is present
    assert not any(s.Inv and not s.TR and np.allclose(s.R, np.eye(3)) for s in ops)
    assert any(s.Inv and s.TR and np.allclose(s.R, np.eye(3)) for s in ops)


@pytest.mark.parametrize("case", ["time-reversal", "inversion"])
def test_vanish_with_T_or_P_alone(case):
    """Table I: the intrinsic response needs both P and T broken (computed without
    symmetrization, so the zero is the k sum's, not imposed)."""
    if case == "time-reversal":
        tb = honeycomb(t1=0.1, delta=0.2)               # P broken, T kept
        mu = np.linspace(-2.5, 3.5, 13)
    else:
        tb = pt_afm(Jb=pt_afm().parameters["J"])      # ferromagnetic bilayer: P kept, T broken
        mu = np.linspace(-1.5, 1.5, 13)
    r = om.orbital_me(tb, mu, 0.02, nk=36, symmetry=False)
    # reference scale: the PT model's response on the same grid
    ref = om.orbital_me(pt_afm(), np.linspace(-1.5, 1.5, 13), 0.02, nk=36, symmetry=False)
    for q in ("chi", "alpha"):
        assert np.abs(r[q]).max() < 1e-10 * np.abs(ref[q]).max()
    # the Lambda of single states is not zero: the cancellation is between k and its image
    E, lam = om.lambda_on_kpoints(tb, _kpoints(5, 3))
    assert np.abs(lam).max() > 1e-3


# --------------------------------------------------------------- Mott relations
def test_generalized_mott_relation_eq12():
    """alpha(mu, T) from Eqs. (9)-(10) equals -int d eta f0'(eta) (eta - mu)/(eT) chi_0(eta)
    (Eq. 12 with the sign that matches Eq. 13) to 1e-3, with chi_0 the T = 0 susceptibility
    on a fine eta grid."""
    from w90resp import runner
    tb = pt_afm()
    kT = 0.04
    mus = np.array([-0.9, -0.6, 0.3, 0.6])
    eta = np.arange(-1.8, 1.8, 2e-4)
    calcs = {"chi0": om.OrbitalME("chi", eta, 0.0, tb.cell_measure),
             "alpha": om.OrbitalME("alpha", mus, kT, tb.cell_measure)}
    # nk 48: chi_0 (T = 0) uses the Fermi-sea metric-dipole form, alpha its Fermi-surface
    # form; the two agree in the continuum, at nk 24 only to 3 % (9e-5 at nk 48)
    res = runner.run(tb, calcs, 48, symmetry=True)
    chi0 = res["chi0"][:, 2, 0]
    alpha = res["alpha"][:, 2, 0]
    mott = om.mott_alpha(eta, chi0, mus, kT)
    scale = np.abs(alpha).max()
    assert scale > 0
    assert np.allclose(mott, alpha, rtol=1e-3, atol=1e-3 * scale)
    # the printed sign of Eq. (12) would give the opposite
    assert np.all(np.sign(mott) == np.sign(alpha))


def test_low_temperature_mott_eq13():
    """Eq. (13): alpha = (pi^2 k_B^2 T/3e) d chi/d mu within 2% away from band edges."""
    tb = pt_afm()
    kT = 0.02
    mus = np.array([-0.8, -0.7, -0.6, -0.5])
    r = om.orbital_me(tb, mus, kT, nk=96, quantities=("alpha", "dchi"))
    alpha = r["alpha"][:, 0]
    low_T = om.mott_alpha_low_T(r["dchi"][:, 0], kT)
    assert np.all(np.abs(alpha) > 0)
    assert np.allclose(low_T, alpha, rtol=0.02)


def test_alpha_linear_in_T_and_T_scan_matches_single_runs():
    """Table I, low T: alpha ~ T; a temperature scan (one matrix product) equals
    separate runs."""
    tb = pt_afm()
    mus = np.array([-0.6, 0.5])
    kTs = np.array([0.01, 0.02])
    # nk 192: the Fermi-surface form of the metric term needs |v| dk < k_B T = 0.01
    scan = om.orbital_me(tb, mus, kTs, nk=192, quantities=("alpha",))["alpha"]  # (nmu, nT, 3)
    for j, t in enumerate(kTs):
        single = om.orbital_me(tb, mus, t, nk=192, quantities=("alpha",))["alpha"]
        assert np.allclose(scan[:, j], single, rtol=1e-12, atol=1e-14)
    ratio = scan[0, 1, 0] / scan[0, 0, 0]
    assert abs(ratio - 2) < 0.05


# ------------------------------------------------------------------ structure
def test_einstein_relation_structure():
    """Eq. (7): E and grad(mu) enter as E - grad(mu)/e."""
    chi = np.array([0.3, -0.1])
    alpha = np.array([0.05, 0.02])
    e = -1.0
    m1 = om.induced_magnetization(chi, alpha, E=[1.0, 2.0], charge=e)
    m2 = om.induced_magnetization(chi, alpha, grad_mu=[-e * 1.0, -e * 2.0], charge=e)
    assert np.isclose(m1, m2) and np.isclose(m1, 0.3 - 0.2)
    m3 = om.induced_magnetization(chi, alpha, grad_T=[2.0, 0.0])
    assert np.isclose(m3, -0.1)


def test_entropy_density_eq10():
    E = np.linspace(-1, 1, 201)
    kT = 0.05
    s = om.entropy_density(E, [0.1], kT)[0]
    f = 1 / (np.exp((E - 0.1) / kT) + 1)
    ref = -(f * np.log(f) + (1 - f) * np.log1p(-f))        # -k_B[f ln f + (1-f) ln(1-f)]
    ok = (f > 1e-12) & (f < 1 - 1e-12)
    assert np.allclose(s[ok], ref[ok], atol=1e-10)
    assert np.all(s >= 0)
    # Sommerfeld: int s0 de = pi^2 k_B^2 T/3
    Ef = np.linspace(-3, 3, 60001)
    assert np.isclose(np.trapezoid(om.entropy_density(Ef, [0.0], kT)[0], Ef), np.pi ** 2 * kT / 3,
                      rtol=1e-6)


def test_si_conversion():
    """chi_nat = 1 e^2/hbar Angstrom in mu_B nm^-2 per (V/m), from CODATA by hand."""
    e, hbar, kB, muB = 1.602176634e-19, 1.054571817e-34, 1.380649e-23, 9.2740100783e-24
    si = om.to_si(chi=1.0, alpha=1.0, length_unit="Angstrom")
    assert np.isclose(si["chi"], e ** 2 / hbar * 1e-10 / (muB * 1e18))
    assert np.isclose(si["alpha"], e * kB / hbar * 1e-10 / (muB * 1e18))
    # the paper's magnitude: 1e-4 nm/Ohm x 1e4 V/m ~ 1e-4 mu_B/nm^2
    chi_nm_per_ohm = 1e-4
    chi_nat = chi_nm_per_ohm * 1e-9 / (e ** 2 / hbar * 1e-10)
    assert 0.9e-4 < om.to_si(chi=chi_nat)["chi"] * 1e4 < 1.2e-4


# ------------------------------------------------------------------ command line
WIN = """num_wann = 4
spinors = true
begin unit_cell_cart
ang
3.9 0 0
0 3.4 0
0 0 20
end unit_cell_cart
begin atoms_cart
ang
Cr1 0.45 0 1.6
Cr2 -0.45 0 -1.6
end atoms_cart
begin projections
Cr1: s
Cr2: s
end projections
"""


def test_command_line_model_and_seedname(tmp_path):
    """--model and --seedname (the same model written as Wannier90 files) agree; JSON holds
    mu, chi, alpha as [mu][i] in SI-derived units plus the natural-unit values."""
    import json

    from w90resp.cli import main
    from w90resp.io.wannier90 import write_tb
    tb = pt_afm()
    write_tb(tb, tmp_path / "ptafm_tb.dat")
    (tmp_path / "ptafm.win").write_text(WIN)
    common = ["--T", "0.02", "--mu-min", "-1", "--mu-max", "1", "--mu-step", "0.25", "--nk", "32"]
    a, b, c = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    assert main(["orbital-me", "--model", "pt-afm", *common, "--json", str(a),
                 "--plot", str(tmp_path / "a.png")]) == 0
    assert main(["orbital-me", "--seedname", str(tmp_path / "ptafm"), "--magmoms", "3", "-3",
                 *common, "--json", str(b)]) == 0
    # without --magmoms the magnet is refused; unsymmetrized on request it runs
    assert main(["orbital-me", "--seedname", str(tmp_path / "ptafm"), *common, "--json", str(c)]) == 2
    assert not c.exists()
    assert main(["orbital-me", "--seedname", str(tmp_path / "ptafm"), *common, "--no-symmetry",
                 "--no-symmetrize-hamiltonian", "--json", str(c)]) == 0
    da, db, dc = (json.loads(p.read_text()) for p in (a, b, c))
    assert len(da["mu"]) == 9 and np.shape(da["chi"]) == (9, 2) and np.shape(da["alpha"]) == (9, 2)
    scale = np.abs(da["chi"]).max()
    assert scale > 0
    for d in (db, dc):
        assert np.allclose(d["chi"], da["chi"], atol=1e-9 * scale)
        assert np.allclose(d["alpha"], da["alpha"], atol=1e-9 * np.abs(da["alpha"]).max())
    assert dc["symmetry"] is False and db["symmetry"] is True
    assert np.allclose(om.to_si(chi=np.array(da["chi_natural"]))["chi"], da["chi"])
    assert "mu_B" in da["units"]["chi"]
    assert main(["orbital-me", "--seedname", str(tmp_path / "missing"), *common,
                 "--json", str(c)]) == 2
    assert main(["orbital-me", "--model", "pt-afm", "--T", "0", "--mu-min", "0", "--mu-max", "1",
                 "--mu-step", "0.5", "--json", str(c)]) == 2


# ------------------------------------------------------ windowed Fermi sums
@pytest.mark.parametrize("quantity,kT", [("chi", 0.0), ("chi", 0.03), ("alpha", 0.03),
                                         ("dchi", 0.03), ("alpha", 0.001), ("chi", [0.0, 0.01])])
def test_windowed_sums_match_dense_weights(quantity, kT):
    """sum_over_states (Fermi window, slices) = occupation_weights @ Lambda over all states."""
    rng = np.random.default_rng(8)
    E = np.sort(rng.uniform(-3.0, 3.0, (400, 6)), axis=1)
    E[0, :2] = [0.0, 0.5]                                 # states exactly at a mu
    lam = rng.normal(size=(400, 6, 3))
    mu = np.linspace(-1.0, 1.0, 9)
    got = om.sum_over_states(quantity, E, lam, mu, kT)
    W = om.occupation_weights(quantity, E, mu, kT)
    nmu, nT = W.shape[:2]
    ref = (W.reshape(nmu * nT, -1) @ lam.reshape(E.size, -1)).reshape(nmu, nT, -1)
    if quantity != "alpha":
        ref = -ref
    assert np.allclose(got, ref, rtol=0, atol=1e-12 * np.abs(ref).max())


def test_chi_in_nm_per_ohm():
    """1 mu_B nm^-2 per V/m = mu_B[A m^2] x 1e18 m^-2 / (V/m) = 9.274e-6 m/Ohm = 9.274e3 nm/Ohm
    (scipy.constants), the paper's unit (Xiao et al., Fig. 2: ~1e-4 nm/Ohm ~ 1e-8 of ours)."""
    from scipy.constants import physical_constants
    mu_b = physical_constants["Bohr magneton"][0]
    out = om.to_si(chi=np.array([1.0, -2.0]))
    ratio = out["chi_nm_per_ohm"] / out["chi"]
    assert np.allclose(ratio, mu_b * 1e18 * 1e9, rtol=1e-12)
