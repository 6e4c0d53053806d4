"""Pumped orbital magnetization (Xiao, Ren & Xiong, PRB 103, 115432, Sec. V A)."""
import json

import numpy as np
import pytest

from w90resp.models.honeycomb_phonon import (bond_directions, honeycomb, honeycomb_phonon,
                                             honeycomb_phonon_cycle, printed_structure_factors)
from w90resp.responses import pumped

PAPER = dict(t1=0.1, delta=0.2, dt0=0.1)
#: paper, Sec. V A: "about -3.5e-3 mu_B hbar omega/t0" per period (t0 = 3 eV, a = 2.46 A)
PAPER_VALUE_MUB = -3.5e-3


def _kpoints(n, seed):
    k = np.random.default_rng(seed).random((n, 3))
    k[:, 2] = 0
    return k


# ------------------------------------------------------------- the model
def test_structure_factors_of_eq22_and_eq24():
    """The real-space model reproduces the printed F_R, F_Im (Eq. 22) and both terms of
    Eq. (24); the second-neighbour term is the corrected F_NN = |F|^2 (not the printed)."""
    k = _kpoints(20, 0)
    tb0 = honeycomb(t1=0.0, delta=0.0)
    kc = k @ tb0.recip_lattice
    sf = printed_structure_factors(kc[:, 0], kc[:, 1])
    H0 = tb0.hamiltonian(k)
    # H = h.sigma: H_AB = h_x - i h_y with h_x = t0 F_R, h_y = -t0 F_Im
    assert np.allclose(H0[:, 0, 1], sf["F_R"] + 1j * sf["F_Im"], atol=1e-12)
    assert np.allclose(H0[:, 0, 0], 0) and np.allclose(H0[:, 1, 1], 0)
    t1, delta = 0.1, 0.2
    H1 = honeycomb(t1=t1, delta=delta).hamiltonian(k)
    assert np.allclose(H1[:, 0, 0], t1 * sf["F_NN_corrected"] + delta, atol=1e-12)
    assert np.allclose(H1[:, 1, 1], t1 * sf["F_NN_corrected"] - delta, atol=1e-12)
    assert np.allclose(sf["F_NN_corrected"], sf["F_R"] ** 2 + sf["F_Im"] ** 2, atol=1e-12)
    assert not np.allclose(sf["F_NN"], sf["F_NN_corrected"], atol=1e-3)
    # Eq. (24): H(wt) - H(static) = dt0 [cos wt (cos term) + sin wt (sin term)] . sigma
    dt0 = 0.1
    Hs = honeycomb(t1=t1, delta=delta).hamiltonian(k)
    for phase, key in ((0.0, "cos_term"), (np.pi / 2, "sin_term")):
        dH = honeycomb_phonon(phase, t1=t1, delta=delta, dt0=dt0).hamiltonian(k) - Hs
        hx, hy = sf[key]
        assert np.allclose(dH[:, 0, 1], dt0 * (hx - 1j * hy), atol=1e-12)
        assert np.allclose(dH[:, 0, 0], 0, atol=1e-12)
    # general phase: linear combination (first order in the displacement)
    ph = 0.83
    dH = honeycomb_phonon(ph, t1=t1, delta=delta, dt0=dt0).hamiltonian(k) - Hs
    hx = np.cos(ph) * sf["cos_term"][0] + np.sin(ph) * sf["sin_term"][0]
    hy = np.cos(ph) * sf["cos_term"][1] + np.sin(ph) * sf["sin_term"][1]
    assert np.allclose(dH[:, 0, 1], dt0 * (hx - 1j * hy), atol=1e-12)


def test_hopping_modulation_from_bond_lengths():
    """t_j(t) = t0 + dt0 (delta_j/a0).u(t): bonds that shorten (u_A towards B_j) hop more."""
    d = bond_directions()
    assert np.allclose(np.linalg.norm(d, axis=1), 1) and np.allclose(d.sum(0), 0)
    u0 = 1e-4
    for ph in (0.0, 1.0, 2.5):
        u = u0 * np.array([np.cos(ph), np.sin(ph), 0])
        new_len = np.linalg.norm(d + (-u) - u, axis=1)          # delta_j + u_B - u_A
        assert np.allclose(1 - new_len, 2 * d @ u, atol=1e-7)


def test_reciprocal_lattice_periodicity():
    """Derived structure factors are periodic in the reciprocal lattice (up to the orbital-
    position gauge phase); the printed F_NN is not."""
    tb = honeycomb_phonon(0.6, **PAPER)
    k = _kpoints(10, 1)
    B = tb.recip_lattice
    E = np.linalg.eigvalsh(tb.hamiltonian(k))
    tau = tb.positions[1] - tb.positions[0]
    for G_red in ((1, 0, 0), (0, 1, 0), (1, -1, 0)):
        kG = k + np.array(G_red, float)
        assert np.allclose(np.linalg.eigvalsh(tb.hamiltonian(kG)), E, atol=1e-12)
        G = np.array(G_red, float) @ B
        ratio = tb.hamiltonian(kG)[:, 0, 1] / tb.hamiltonian(k)[:, 0, 1]
        assert np.allclose(ratio, np.exp(1j * G @ tau), atol=1e-10)
        kc, kcG = k @ B, kG @ B
        s, sG = printed_structure_factors(kc[:, 0], kc[:, 1]), printed_structure_factors(kcG[:, 0], kcG[:, 1])
        assert np.allclose(s["F_NN_corrected"], sG["F_NN_corrected"], atol=1e-12)
        FG = (sG["F_R"] + 1j * sG["F_Im"]) / (s["F_R"] + 1j * s["F_Im"])
        assert np.allclose(FG, np.exp(1j * G @ tau), atol=1e-10)
    # the printed F_NN fails for the reciprocal vector b2
    kcG = (k + [0, 1, 0]) @ B
    kc = k @ B
    assert np.abs(printed_structure_factors(kcG[:, 0], kcG[:, 1])["F_NN"]
                  - printed_structure_factors(kc[:, 0], kc[:, 1])["F_NN"]).max() > 0.1


# --------------------------------------------------------- the paper's value
@pytest.fixture(scope="module")
def paper_run():
    return pumped.pumped_moment(honeycomb_phonon_cycle(**PAPER), nk=48, nt=12)


def test_paper_value_within_10_percent(paper_run):
    """Sec. V A: about -3.5e-3 mu_B hbar omega/t0 per period (t0 = 3 eV, a = 2.46 A),
    electrons, anticlockwise rotation u_A = u0 (cos wt, sin wt)."""
    val = paper_run["pumped"] * pumped.MUB_PER_NATURAL
    assert val < 0
    assert abs(val / PAPER_VALUE_MUB - 1) < 0.10
    # mu is in the gap, the moment oscillates weakly about a nonzero mean (Fig. 1b)
    top, bottom = paper_run["gap"]
    assert top < paper_run["mu"] < bottom
    m = paper_run["moment"]
    assert np.all(m < 0) and np.ptp(m) < 0.2 * abs(m.mean()) and np.ptp(m) > 0


def test_grid_convergence(paper_run):
    """k and t grids: nk = 48, nt = 12 are converged to better than 1e-4 (relative)."""
    ref = paper_run["pumped"]
    finer_k = pumped.pumped_moment(honeycomb_phonon_cycle(**PAPER), nk=96, nt=12)["pumped"]
    finer_t = pumped.pumped_moment(honeycomb_phonon_cycle(**PAPER), nk=48, nt=24)["pumped"]
    assert abs(finer_k / ref - 1) < 1e-4
    assert abs(finer_t / ref - 1) < 1e-4


def test_vanishes_at_t1_zero_and_linear_in_t1():
    """Fig. 1(b) inset: zero without second-neighbour hopping (particle-hole symmetry),
    proportional to t1 (up to t1 = 0.1 t0)."""
    vals = {t1: pumped.pumped_moment(honeycomb_phonon_cycle(t1=t1, delta=0.2, dt0=0.1),
                                     nk=48, nt=6)["pumped"] for t1 in (0.0, 0.01, 0.05, 0.1)}
    ref = vals[0.1]
    assert abs(vals[0.0]) < 1e-12 * abs(ref)
    for t1 in (0.01, 0.05):
        assert np.isclose(vals[t1] / t1, ref / 0.1, rtol=1e-6)


def test_grows_as_gap_decreases():
    """Fig. 1(d): |pumped| increases as Delta decreases (Delta = 0.5 ... 0.1)."""
    deltas = [0.1, 0.2, 0.3, 0.4, 0.5]
    vals = [pumped.pumped_moment(honeycomb_phonon_cycle(t1=0.1, delta=d, dt0=0.1),
                                 nk=96 if d < 0.15 else 48, nt=6)["pumped"] for d in deltas]
    mags = np.abs(vals)
    assert np.all(np.array(vals) < 0)
    assert np.all(np.diff(mags) < 0)
    assert mags[0] > 2 * mags[1] and mags[1] > 5 * mags[-1]


# ---------------------------------------------------------- conventions, API
def test_sign_conventions():
    """Opposite rotation sense or positive carriers flip the sign; the moment is second
    order in the rotation amplitude (the adiabatic response needs both x and y motion)."""
    base = pumped.pumped_moment(honeycomb_phonon_cycle(**PAPER), nk=24, nt=6)["pumped"]
    reverse = pumped.PeriodicTightBinding.from_callable(
        lambda t: honeycomb_phonon(-2 * np.pi * t, **PAPER), nharm=1)
    rev = pumped.pumped_moment(reverse, nk=24, nt=6)["pumped"]
    assert np.isclose(rev, -base, rtol=1e-8)
    holes = pumped.pumped_moment(honeycomb_phonon_cycle(**PAPER), nk=24, nt=6, charge=+1)["pumped"]
    assert np.isclose(holes, -base, rtol=1e-12)
    half = pumped.pumped_moment(honeycomb_phonon_cycle(t1=0.1, delta=0.2, dt0=0.01),
                                nk=24, nt=6)["pumped"]
    quarter = pumped.pumped_moment(honeycomb_phonon_cycle(t1=0.1, delta=0.2, dt0=0.005),
                                   nk=24, nt=6)["pumped"]
    assert np.isclose(half / quarter, 4, rtol=1e-3)


def test_callable_cycle_and_numpy_reference_agree():
    """A callable t/T -> TightBinding gives the same as the built-in Fourier cycle, and the
    WannierBerri k sum equals the direct numpy evaluation."""
    cyc = honeycomb_phonon_cycle(**PAPER)
    from_fn = pumped.PeriodicTightBinding.from_callable(
        lambda t: honeycomb_phonon(2 * np.pi * t, **PAPER), nharm=2)
    a = pumped.pumped_moment(cyc, nk=24, nt=6)
    b = pumped.pumped_moment(from_fn, nk=24, nt=6)
    c = pumped.pumped_moment_numpy(cyc, nk=24, nt=6, mu=a["mu"])
    assert np.allclose(a["moment"], b["moment"], rtol=1e-9)
    assert np.allclose(a["moment"], c["moment"], rtol=1e-9)
    with pytest.raises(ValueError):
        pumped.PeriodicTightBinding.from_callable(
            lambda t: honeycomb_phonon(2 * np.pi * t, **dict(PAPER, dt0=0.1 * (1 + np.sin(6 * np.pi * t)))),
            nharm=1)


def test_metal_is_rejected():
    with pytest.raises(ValueError, match="gap"):
        pumped.pumped_moment(honeycomb_phonon_cycle(**PAPER), nk=12, nt=3, mu=0.5)


def test_command_line_contract(tmp_path):
    from w90resp.cli import main
    out = tmp_path / "p.json"
    png = tmp_path / "p.png"
    rc = main(["pumped-om", "--model", "honeycomb-phonon", "--delta", "0.2", "--t1", "0.1",
               "--dt0", "0.1", "--nk", "24", "--nt", "6", "--json", str(out), "--plot", str(png)])
    assert rc == 0 and png.stat().st_size > 0
    d = json.loads(out.read_text())
    assert len(d["t_over_T"]) == len(d["moment"]) == 6
    assert np.isclose(d["pumped"], np.mean(d["moment"]))
    assert np.isclose(d["pumped_muB"], 4.77 * d["pumped"]) and d["pumped_muB"] < 0
    assert "units" in d and "parameters" in d
    assert main(["pumped-om", "--model", "honeycomb-phonon", "--delta", "0", "--t1", "0.1",
                 "--dt0", "0.1", "--json", str(out)]) == 2


@pytest.mark.slow
def test_converged_delta_table():
    """Fig. 1(d) on converged grids: nk = 96 vs 192 and nt = 12 vs 24 agree to 5e-4
    (2e-4 at Delta = 0.1, the smallest gap; below 1e-7 from Delta = 0.2 on)."""
    for d in (0.1, 0.2, 0.3, 0.4, 0.5):
        cyc = honeycomb_phonon_cycle(t1=0.1, delta=d, dt0=0.1)
        a = pumped.pumped_moment(cyc, nk=96, nt=12)["pumped"]
        b = pumped.pumped_moment(cyc, nk=192, nt=12)["pumped"]
        c = pumped.pumped_moment(cyc, nk=96, nt=24)["pumped"]
        assert abs(b / a - 1) < 5e-4 and abs(c / a - 1) < 5e-4
        if d == 0.2:
            assert abs(a * pumped.MUB_PER_NATURAL / PAPER_VALUE_MUB - 1) < 0.10
