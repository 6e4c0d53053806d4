"""Intrinsic nonlinear Hall and nonlinear anomalous Ettingshausen effects
(Xiao, Ren & Xiong, PRB 103, 115432, Sec. V B, Eqs. 25-31)."""
import json
import subprocess
import sys

import numpy as np
import pytest

from w90resp import runner
from w90resp.models.honeycomb_phonon import honeycomb
from w90resp.models.pt_afm import pt_afm
from w90resp.responses import geometry
from w90resp.responses import nonlinear_hall as nlh
from w90resp.responses import orbital_me as om

Q = -1.0          # electrons


def _grid(n):
    g = np.stack(np.meshgrid(np.arange(n) / n, np.arange(n) / n, indexing="ij"), -1).reshape(-1, 2)
    return np.c_[g, np.zeros(len(g))]


def _groups(E, tol=1e-8):
    """Degenerate groups of one k point (list of index arrays)."""
    out, start = [], 0
    for n in range(1, len(E) + 1):
        if n == len(E) or E[n] - E[n - 1] > tol:
            out.append(np.arange(start, n))
            start = n
    return out


def _fermi(e, mu, kT):
    return 0.5 * (1.0 - np.tanh(0.5 * (e - mu) / kT))


# ------------------------------------------------------------ two routes to the BCP
def test_bcp_equals_second_order_stark_shift_of_dressed_states():
    """Sum over each PT pair of G^n_ab (bcp_planar) against the second derivative in a
    field-like parameter lambda of the pair's eigenvalue sum of diag(E) - lambda.A
    (A^a_nm = i v^a_nm/(e_m - e_n) between different pairs): exact diagonalization and
    finite differences, no perturbation formula.  1e-6 relative."""
    tb = pt_afm()
    k = np.random.default_rng(5).random((6, 3))
    k[:, 2] = 0
    E, v, _ = geometry.bands_on_kpoints(tb, k)
    G = nlh.bcp_planar(E, v[..., 0], v[..., 1])
    lam = 1e-3
    worst, scale = 0.0, 0.0
    for ik in range(len(k)):
        groups = _groups(E[ik])
        assert all(len(g) == 2 for g in groups)            # PT doubles every band
        nb = len(E[ik])
        same = np.zeros((nb, nb), bool)
        for g in groups:
            same[np.ix_(g, g)] = True
        d = E[ik][None, :] - E[ik][:, None]
        A = np.where(same[..., None], 0.0, 1j * v[ik, ..., :2] / np.where(same, 1.0, d)[..., None])

        def pair_sums(l):
            e = np.linalg.eigvalsh(np.diag(E[ik]) - A[..., 0] * l[0] - A[..., 1] * l[1])
            return np.array([e[g].sum() for g in groups])

        hess = np.zeros((len(groups), 2, 2))
        for a in range(2):
            for b in range(2):
                ea, eb = np.eye(2)[a] * lam, np.eye(2)[b] * lam
                hess[:, a, b] = (pair_sums(ea + eb) - pair_sums(ea - eb) - pair_sums(-ea + eb)
                                 + pair_sums(-ea - eb)) / (4 * lam * lam)
        Gp = np.array([G[ik, g].sum(axis=0) for g in groups])
        worst = max(worst, np.abs(hess - Gp).max())
        scale = max(scale, np.abs(Gp).max())
    assert scale > 1e-2
    assert worst < 1e-6 * scale


def test_bcp_k_derivative_analytic_vs_finite_differences():
    """d_j G (bcp_derivative, used by the Fermi-sea route) against central differences of
    the pair-summed G in Cartesian k, 1e-6 relative."""
    tb = pt_afm()
    k = np.random.default_rng(8).random((5, 3))
    k[:, 2] = 0
    E, v, w = geometry.bands_on_kpoints(tb, k)
    dG = nlh.bcp_derivative(E, v, w)

    def pair_G(kk):
        e, vv, _ = geometry.bands_on_kpoints(tb, kk)
        G = nlh.bcp_planar(e, vv[..., 0], vv[..., 1])
        return G.reshape(G.shape[0], -1, 2, 2, 2).sum(axis=2)     # PT pairs (n, n+1)

    h = 1e-5
    B = tb.recip_lattice
    for j in range(2):
        step = h * np.linalg.solve(B.T, np.eye(3)[j])
        fd = (pair_G(k + step) - pair_G(k - step)) / (2 * h)
        an = dG[..., j].reshape(len(k), -1, 2, 2, 2).sum(axis=2)
        assert np.abs(an - fd).max() < 1e-6 * np.abs(fd).max()


@pytest.fixture(scope="module")
def pt_balance():
    """Engine (Fermi-surface sums through the WannierBerri runner) and the Fermi-sea route
    (per-state Omega^(1) from the analytic k-derivative of the BCP) on the same 96^2 grid."""
    tb = pt_afm()
    mu = np.array([-0.6, -0.4, 0.0, 0.3, 1.0])
    kT = 0.05
    res = nlh.nonlinear_hall(tb, mu, kT, nk=96, symmetry=False)
    k = _grid(96)
    E, W = nlh.omega1_on_kpoints(tb, k)
    E2, v, _ = geometry.bands_on_kpoints(tb, k)
    K = nlh.bcp_cross(E2, v[..., 0], v[..., 1])
    norm = tb.cell_measure * len(k)
    return dict(tb=tb, mu=mu, kT=kT, res=res, E=E.reshape(-1), W=W.reshape(-1, 2) / norm,
                K=K.reshape(-1, 2) / norm)


def test_nonlinear_hall_fermi_surface_equals_fermi_sea(pt_balance):
    """chi from the engine (int f0' K after the integration by parts) equals
    -q^2 E x int f0 Omega^(1) with Omega^(1) = d_x a_y - d_y a_x of every state (Eq. 25),
    1e-8 relative; it is not small."""
    b = pt_balance
    for i, m in enumerate(b["mu"]):
        f = _fermi(b["E"], m, b["kT"])
        sea = nlh.hall_tensor((f[:, None] * b["W"]).sum(0), Q ** 3)
        eng = b["res"]["chi"][i]
        assert np.abs(eng).max() > 1e-4
        assert np.abs(sea - eng).max() < 1e-8 * np.abs(eng).max()


def test_ettingshausen_balance_eqs_27_28_29(pt_balance):
    """The paper's point: Eq. (27) - Eq. (28) - (mu/q) j = Eq. (29) at finite T, each term
    built independently in its Fermi-sea form:
      Eq. (27)  j^E = -q E x int f0 e Omega^(1) - E x int f0 m~^(1), with
                m~^(1) = d_B(qE.a) + q v0 x a^E: the first from the orbital-ME module
                (chi^OME), the second from the BCP of each state;
      Eq. (28)  j^{E,mag} = -E x M^(1), M^(1) = int f0 m~^(1) + q int g0 Omega^(1) (Eq. 25);
      Eq. (29)  from the engine's Fermi-surface sum (-q E x T int s Omega~).
    Holds to 1e-8 relative; without Eq. (28) it fails by -E x M^(1), which is not small
    (10-200 times the thermal current of this model)."""
    b = pt_balance
    chi_ome = b["res"]["chi_ome"]
    for i, m in enumerate(b["mu"]):
        E, W, K, kT = b["E"], b["W"], b["K"], b["kT"]
        f = _fermi(E, m, kT)
        g0 = -kT * np.logaddexp(0.0, -(E - m) / kT)
        j = nlh.hall_tensor((f[:, None] * W).sum(0), Q ** 3)
        band = nlh.hall_tensor(((f * E)[:, None] * W).sum(0), Q ** 2)      # -qE x int f0 e Om1
        shift = nlh.hall_tensor((f[:, None] * K).sum(0), Q ** 2)           # -E x int f0 q v x a
        M1 = chi_ome[i, :2] - Q ** 2 * (f[:, None] * K).sum(0) - Q ** 2 * (g0[:, None] * W).sum(0)
        eq28 = nlh.cross_E(M1)
        eq27 = band + shift + nlh.cross_E(chi_ome[i, :2])
        eq29 = b["res"]["thermal"][i]
        scale = np.abs(eq29).max()
        assert scale > 1e-6
        assert np.abs(eq27 - eq28 - (m / Q) * j - eq29).max() < 1e-8 * scale
        # Eq. (25): M^(1) reduces to the orbital-ME chi^OME.E
        assert np.allclose(M1, chi_ome[i, :2], rtol=1e-8, atol=1e-10 * np.abs(chi_ome[i]).max())
        # dropping the magnetization current breaks the balance by -E x M^(1)
        miss = np.abs(eq27 - (m / Q) * j - eq29).max()
        assert miss > 1.0 * scale
        assert np.allclose(eq27 - (m / Q) * j - eq29, eq28, atol=1e-8 * scale)
        # the package's combination of the engine's outputs agrees
        bal = b["res"]["balance"]
        assert np.abs(bal["transport"][i] - eq29).max() < 1e-8 * scale
        assert np.allclose(bal["transport_without_magnetization"][i] - bal["transport"][i],
                           eq28, atol=1e-8 * scale)


def test_generalized_mott_relation_eq30(pt_balance):
    """Eq. (30): j^{h,tr}/T = -(1/q) int d eta (eta - mu)/T f0'(eta) j_0(eta), with j_0 the
    T = 0 current built from the per-state Fermi-sea weights, against the engine's Eq. (29)
    (Fermi-surface form), 1e-8 relative."""
    b = pt_balance
    vec = nlh.mott_thermal(b["E"], b["W"], b["mu"], b["kT"])
    eq30 = nlh.hall_tensor(vec, Q ** 3)
    eq29 = b["res"]["thermal"] / b["kT"]
    for i in range(len(b["mu"])):
        assert np.abs(eq30[i] - eq29[i]).max() < 1e-8 * np.abs(eq29[i]).max()


def test_low_temperature_mott_eq31_scaling():
    """Eq. (31): j^h/T -> (pi^2 k_B^2 T/3q) dj/dmu with a relative deviation O((k_B T/D)^2):
    halving T divides the deviation by ~4 (5.0, 4.7, 4.2 seen at mu = -0.6 of pt-afm)."""
    tb = pt_afm()
    m0, h = -0.6, 1e-3
    dev = []
    for kT in (0.04, 0.02, 0.01, 0.005):
        mus = np.array([m0 - h, m0, m0 + h])
        r = runner.run(tb, nlh.calculators(mus, kT, tb.cell_measure, quantities=("chi", "thermal")),
                       768, symmetry=True)
        low = nlh.mott_thermal_low_T((r["chi"][2] - r["chi"][0]) / (2 * h), kT)
        th = r["thermal"][1] / kT
        dev.append(np.abs(low - th).max() / np.abs(th).max())
    ratios = np.array(dev[:-1]) / np.array(dev[1:])
    assert dev[-1] < 2e-4
    assert np.all((ratios > 3.5) & (ratios < 5.5)), ratios


# ------------------------------------------------------------------ structure
def test_hall_current_is_transverse_and_pt_components(pt_balance):
    """j.E = 0 for every in-plane E (chi_xxx = chi_yyy = 0, chi_yxx = -(chi_xxy + chi_xyx));
    with C2y only chi_xxy = chi_xyx and chi_yxx are nonzero (S along x)."""
    chi = pt_balance["res"]["chi"][:, :2, :2, :2]
    scale = np.abs(chi).max()
    for th in np.linspace(0, np.pi, 7):
        e = np.array([np.cos(th), np.sin(th)])
        j = np.einsum("mabc,b,c->ma", chi, e, e)
        assert np.abs(j @ e).max() < 1e-12 * scale
    assert np.abs(chi[:, 1, 1, 1]).max() < 1e-12 * scale
    assert np.abs(chi[:, 0, 0, 0]).max() < 1e-12 * scale
    assert np.abs(chi[:, 1, 0, 0]).max() > 0.1 * scale


def test_neumann_table_and_symmetrized_run_agree():
    """The unsymmetrized k sum obeys the magnetic point group 2/m' (Neumann table of
    w90resp.symmetry); the symmetrized run (group found from the moments) gives the same."""
    from w90resp.symmetry import check_tensor, point_group_from_symbol
    tb = pt_afm()
    mu = np.linspace(-1.2, 1.2, 9)
    a = nlh.nonlinear_hall(tb, mu, 0.03, nk=48, quantities=("chi", "thermal"), symmetry=False,
                           with_ome=False)
    s = nlh.nonlinear_hall(tb, mu, 0.03, nk=48, quantities=("chi", "thermal"), symmetry=True,
                           with_ome=False)
    pg = point_group_from_symbol("2/m'")
    for q in ("chi", "thermal"):
        scale = np.abs(a[q]).max()
        assert scale > 0
        check_tensor("nonlinear-hall", a[q], pg, forbidden_tol=1e-10)
        assert np.allclose(s[q], a[q], atol=1e-9 * scale)
    # the table itself: with time reversal alone (group 1') or inversion (-1) nothing survives
    from w90resp.symmetry.neumann import analyse
    assert not analyse("nonlinear-hall", point_group_from_symbol("-1")).mask.any()
    assert analyse("nonlinear-hall", point_group_from_symbol("-1'")).mask.all()


@pytest.mark.parametrize("case", ["time-reversal", "inversion"])
def test_vanish_with_T_or_P_alone(case):
    """Intrinsic nonlinear Hall needs both P and T broken: zero (to 1e-10 of the PT model's
    value) for the T-symmetric honeycomb and for the P-symmetric ferromagnetic bilayer,
    computed without symmetrization; single-state K is not zero."""
    if case == "time-reversal":
        tb = honeycomb(t1=0.1, delta=0.2)
        mu = np.linspace(-2.5, 3.5, 13)
    else:
        tb = pt_afm(Jb=pt_afm().parameters["J"])
        mu = np.linspace(-1.5, 1.5, 13)
    r = nlh.nonlinear_hall(tb, mu, 0.03, nk=36, quantities=("chi", "thermal"), symmetry=False,
                           with_ome=False)
    ref = nlh.nonlinear_hall(pt_afm(), np.linspace(-1.5, 1.5, 13), 0.03, nk=36,
                             quantities=("chi", "thermal"), symmetry=False, with_ome=False)
    for q in ("chi", "thermal"):
        assert np.abs(ref[q]).max() > 0
        assert np.abs(r[q]).max() < 1e-10 * np.abs(ref[q]).max()
    k = np.random.default_rng(2).random((5, 3))
    k[:, 2] = 0
    E, v, _ = geometry.bands_on_kpoints(tb, k)
    assert np.abs(nlh.bcp_cross(E, v[..., 0], v[..., 1])).max() > 1e-3


def test_gauge_invariance_inside_pt_pairs():
    """Random U(2) rotations of every PT pair leave the pair sums of K (Fermi-surface form)
    and of W = d x G (Fermi-sea form) unchanged."""
    tb = pt_afm()
    rng = np.random.default_rng(11)
    k = rng.random((6, 3))
    k[:, 2] = 0
    E, v, w = geometry.bands_on_kpoints(tb, k)
    nk, nb = E.shape
    U = np.zeros((nk, nb, nb), complex)
    for ik in range(nk):
        for g in range(0, nb, 2):
            z = rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2))
            U[ik, g:g + 2, g:g + 2] = np.linalg.qr(z)[0]
    vr = np.einsum("kmi,kija,kjn->kmna", U.conj().swapaxes(1, 2), v, U)
    wr = np.einsum("kmi,kijab,kjn->kmnab", U.conj().swapaxes(1, 2), w, U)
    assert np.abs(vr - v).max() > 1e-2                    # the rotation does something

    def pairs(x):
        return x.reshape((nk, nb // 2, 2) + x.shape[2:]).sum(axis=2)

    K0 = pairs(nlh.bcp_cross(E, v[..., 0], v[..., 1]))
    K1 = pairs(nlh.bcp_cross(E, vr[..., 0], vr[..., 1]))
    assert np.abs(K0).max() > 1e-3
    assert np.allclose(K0, K1, atol=1e-10 * np.abs(K0).max())
    dG0 = nlh.bcp_derivative(E, v, w)
    dG1 = nlh.bcp_derivative(E, vr, wr)
    W0 = pairs(dG0[..., 1, :, 0] - dG0[..., 0, :, 1])
    W1 = pairs(dG1[..., 1, :, 0] - dG1[..., 0, :, 1])
    assert np.allclose(W0, W1, atol=1e-9 * np.abs(W0).max())


# ------------------------------------------------------------------ units and command
def test_si_factors():
    """chi natural (e^2/hbar x Angstrom/V) -> A m V^-2 and the thermal coefficient per
    k_B T in eV -> per kelvin, from scipy.constants."""
    from scipy import constants as c
    f = nlh.to_si("Angstrom")
    assert np.isclose(f["chi"], c.e ** 2 / c.hbar * 1e-10, rtol=1e-12)
    assert np.isclose(f["thermal_per_T"], c.e ** 2 / c.hbar * 1e-10 * c.k / c.e, rtol=1e-12)
    assert np.isclose(nlh.to_si("nm")["chi"], 10 * f["chi"])


def test_command_line(tmp_path):
    out = tmp_path / "nlh.json"
    png = tmp_path / "nlh.png"
    cmd = [sys.executable, "-m", "w90resp", "nonlinear-hall", "--model", "pt-afm", "--T", "0.03",
           "--mu-min", "-1.0", "--mu-max", "1.0", "--mu-step", "0.5", "--nk", "36",
           "--json", str(out), "--plot", str(png)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    d = json.loads(out.read_text())
    data = d
    mu = np.array(data["mu"])
    api = nlh.nonlinear_hall(pt_afm(), mu, 0.03, nk=36)
    assert np.allclose(np.array(data["chi_natural"]), api["chi"][:, :2, :2, :2], rtol=1e-10,
                       atol=1e-14)
    assert "A m V^-2" in d["units"]["chi"] and "per unit width" in d["units"]["chi"]
    assert np.allclose(np.array(data["chi"]), np.array(data["chi_natural"]) * nlh.to_si()["chi"])
    bal = np.array(data["transport_heat"]) - np.array(data["thermal"])
    assert np.abs(bal).max() < 1e-8 * np.abs(np.array(data["thermal"])).max()
    assert png.exists() and png.stat().st_size > 1000
    assert d["version"]
    # bad option: one line, no traceback, earlier output kept
    before = out.read_text()
    i = cmd.index("--T") + 1
    p = subprocess.run(cmd[:i] + ["0"] + cmd[i + 1:], capture_output=True, text=True)
    assert p.returncode != 0
    assert "Traceback" not in p.stderr and "--T" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert out.read_text() == before
