"""Current-induced (Edelstein) magnetization on the FCIM engine (responses/edelstein.py).

Checks: the analytic Rashba 2DEG value, WannierBerri's GME_spin_FermiSurf and
GME_orb_FermiSurf (difference shrinking with WannierBerri's Fermi-level grid step), the
C3v selection rule of MoSSe, time-reversal parities of the dissipative and reactive
Kubo parts, and the eta -> 0 limit of the full Kubo form.
"""
import os
import warnings

import numpy as np
import pytest

from w90resp import runner, units
from w90resp.models import get_model
from w90resp.responses.bloch_moment import MU_B_PER_EV_A2
from w90resp.responses.edelstein import edelstein_response

HERE = os.path.dirname(os.path.abspath(__file__))
MOSSE = os.path.join(HERE, "..", "data", "mosse", "MoSSe")


def test_rashba_2deg_analytic():
    """H = k^2/2m + alpha (sigma x k)_z, both bands occupied (mu > 0): per band the Fermi
    circle gives sum S_x v_y (-f') / A = +-k_F/(8 pi), so chi_xy = -chi_yx = m alpha/(4 pi eta)
    at T = 0 and for any mu > 0 (Edelstein 1990), independent of mu."""
    m, alpha, eta = 1.0, 1.0, 0.1
    tb = get_model("rashba-fm", b=0.0, alpha=alpha, mass=m, lattice_constant=0.5)
    r, units_ = edelstein_response(tb, [0.5, 1.0], 0.05, eta, 256, moments=("S",))
    chi = r["S"]
    ref = m * alpha / (4 * np.pi * eta)
    assert units_ == {"S": "hbar"}
    np.testing.assert_allclose(chi[:, 0, 1], ref, rtol=3e-4)
    np.testing.assert_allclose(chi[:, 1, 0], -ref, rtol=3e-4)
    mask = np.ones((3, 3), bool)
    mask[0, 1] = mask[1, 0] = False
    assert np.abs(chi[:, mask]).max() < 1e-10 * ref


def _wb_gme(tb, calc_cls, mu, kT, dE, nk, window):
    """WannierBerri's kME tensor K_{b:a} (A) on its own Fermi-level grid of step dE,
    smoothed with its Fermi-Dirac smoother, at the grid points nearest ``mu``."""
    from wannierberri.smoother import FermiDiracSmoother
    Ef = np.arange(min(mu) - window, max(mu) + window + 1e-12, dE)
    res = runner.run(tb, {"k": calc_cls(Efermi=Ef, degen_thresh=1e-10)}, nk, symmetry=False)["k"]
    sm = FermiDiracSmoother(Ef, kT / units.K_B_EV, maxdE=40)(res)
    idx = [int(np.argmin(np.abs(Ef - x))) for x in mu]
    assert np.allclose(Ef[idx], mu, atol=1e-9)
    return sm[idx].swapaxes(1, 2)                       # [mu][a (moment)][b (velocity)]


def to_ours(K, tb, eta, moment):
    """WannierBerri K (A) = (mu_B/A^2) sum v_b m_a (-f') / V_3D with m in mu_B (g = 2) ->
    our chi_ab = (1/(A eta)) sum M_a v_b f' per unit area: spin m = -2 mu_B S;
    Bloch moment m[mu_B] = MU_B_PER_EV_A2 x m (internal e = hbar = 1 units of the model)."""
    c = np.linalg.norm(tb.real_lattice[2])
    x = K * units.ANGSTROM_M ** 2 / units.MU_B * c            # sum v m (-f') / A
    if moment == "S":
        return x / (2 * eta)
    return -x / eta / (1.0 if tb.energy_unit == "eV" else MU_B_PER_EV_A2)


def test_spin_against_wannierberri_rashba_ferromagnet():
    """No degeneracies (b = 0.3 splits the bands everywhere): the difference to
    GME_spin_FermiSurf shrinks with WannierBerri's grid step and ends below 1e-4."""
    from wannierberri.calculators.static import GME_spin_FermiSurf
    tb = get_model("rashba-fm", b=0.3, lattice_constant=1.0)
    mu, kT, eta, nk = [0.5, 1.0], 0.1, 0.1, 256
    ours = edelstein_response(tb, mu, kT, eta, nk, moments=("S",), symmetry=False)[0]["S"]
    scale = np.abs(ours).max()
    diffs = []
    for dE in (0.01, 0.005):
        K = _wb_gme(tb, GME_spin_FermiSurf, mu, kT, dE, nk, 1.5)
        diffs.append(np.abs(to_ours(K, tb, eta, "S") - ours).max() / scale)
    assert diffs[1] < diffs[0]
    print("relative difference to GME_spin_FermiSurf at dE = 0.01, 0.005:", diffs)
    assert diffs[1] < 1e-4, diffs


@pytest.fixture(scope="module")
def mosse():
    from w90resp.io import load_wannier90
    from w90resp.symmetry import symmetrize_hamiltonian
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return symmetrize_hamiltonian(load_wannier90(MOSSE, position_matrix="diagonal"))[0]


def test_mosse_c3v_selection_rule(mosse):
    """C3v (z axis, time reversal): an axial M_a driven by a polar E_b only as the Rashba
    pair chi_xy = -chi_yx (M_z with in-plane E and in-plane M with E_z are forbidden)."""
    r, _ = edelstein_response(mosse, [-1.85, -0.15], 0.05, 0.05, 18, moments=("S", "L", "bloch"))
    mask = np.ones((3, 3), bool)
    mask[0, 1] = mask[1, 0] = False
    for name, chi in r.items():
        scale = np.abs(chi).max()
        assert scale > 0, name
        assert np.abs(chi[:, mask]).max() < 1e-10 * scale, name
        np.testing.assert_allclose(chi[:, 0, 1], -chi[:, 1, 0], atol=1e-10 * scale)


def test_bloch_part_against_wannierberri_mosse_zeeman(mosse):
    """GME_orb_FermiSurf (m = H + G - 2 E_F Omega; on the Fermi surface the (e - E_F) Omega
    part vanishes, so it is the Bloch moment): MoSSe with a 0.05 eV Zeeman splitting
    (no Kramers degeneracies, where WannierBerri's group traces and our limit basis
    differ on measure-zero points); the difference shrinks with the grid step."""
    from wannierberri.calculators.static import GME_orb_FermiSurf
    tb = mosse
    S = tb.operators()["S"]
    hop = dict(tb.hoppings)
    hop[(0, 0, 0)] = hop[(0, 0, 0)] + 0.1 * S[2]
    import dataclasses
    tb = dataclasses.replace(tb, hoppings=hop)
    mu, kT, eta, nk = [-1.85, -0.15], 0.05, 0.05, 24
    ours = edelstein_response(tb, mu, kT, eta, nk, moments=("bloch",), symmetry=False)[0]["bloch"]
    scale = np.abs(ours).max()
    diffs = []
    for dE in (0.002, 0.0005):
        K = _wb_gme(tb, GME_orb_FermiSurf, mu, kT, dE, nk, 2.2)
        diffs.append(np.abs(to_ours(K, tb, eta, "bloch") - ours).max() / scale)
    assert diffs[1] < diffs[0]
    print("relative difference to GME_orb_FermiSurf at dE = 0.002, 0.0005:", diffs)
    assert diffs[1] < 1e-3, diffs


def test_full_kubo_limits_and_time_reversal():
    """Full Kubo: eta chi^full -> eta chi^(E) as eta -> 0 (gapped pairs: O(eta^2));
    under b -> -b (time reversal of the Rashba ferromagnet) the dissipative part is even
    and the reactive part odd; with b = 0 the reactive part vanishes."""
    mu, kT, nk = [0.8], 0.05, 192
    out = {}
    for b in (0.3, -0.3, 0.0):
        tb = get_model("rashba-fm", b=b, lattice_constant=0.5)
        out[b] = edelstein_response(tb, mu, kT, 0.02, nk, moments=("S",), kubo="full")[0]
        if b == 0.3:
            intra = edelstein_response(tb, mu, kT, 0.02, nk, moments=("S",))[0]["S"]
            diss = out[b]["S"]
            np.testing.assert_allclose(diss[:, :2, :2], intra[:, :2, :2], rtol=2e-2,
                                       atol=2e-2 * np.abs(intra).max())
    d, rr = out[0.3], out[-0.3]
    scale = np.abs(d["S"]).max()
    np.testing.assert_allclose(d["S"], rr["S"], atol=1e-9 * scale)
    assert np.abs(d["S_reactive"]).max() > 1e-3 * scale
    np.testing.assert_allclose(d["S_reactive"], -rr["S_reactive"], atol=1e-9 * scale)
    assert np.abs(out[0.0]["S_reactive"]).max() < 1e-10 * scale


def test_command_writes_the_api_values(tmp_path):
    """``w90resp edelstein`` on a model: the JSON holds the API's chi with its units."""
    import json
    import subprocess
    import sys
    out = tmp_path / "ed.json"
    cmd = [sys.executable, "-m", "w90resp", "edelstein", "--model", "rashba-fm", "--kT", "0.05",
           "--eta", "0.1", "--mu-min", "0.5", "--mu-max", "1.0", "--mu-step", "0.5", "--nk", "64",
           "--moments", "S", "--json", str(out), "--quiet"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    d = json.loads(out.read_text())
    api = edelstein_response(get_model("rashba-fm"), [0.5, 1.0], 0.05, 0.1, 64, moments=("S",))[0]
    np.testing.assert_allclose(np.array(d["S"]), api["S"], rtol=1e-12, atol=1e-14)
    assert "hbar" in d["units"]["chi [S]"] and "per unit area" in d["units"]["chi [S]"]
    bad = subprocess.run(cmd[:7] + ["0"] + cmd[8:], capture_output=True, text=True)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and "--kT" in bad.stderr
