"""``w90resp spin-mqm`` command line."""
import json

import numpy as np
import pytest

from w90resp.cli import main

BASE = ["spin-mqm", "--T", "0.05", "--mu-min", "-0.3", "--mu-max", "0.3", "--mu-step", "0.3"]


def test_rashba_fm_json_and_plot(tmp_path):
    out, png = tmp_path / "r.json", tmp_path / "r.png"
    rc = main(BASE + ["--model", "rashba-fm", "--b", "0.5", "--nk", "120", "--units", "paper",
                      "--json", str(out), "--plot", str(png), "--plot-mu", "0.0",
                      "--plot-tmax", "0.1"])
    assert rc == 0
    d = json.loads(out.read_text())
    assert d["mu"] == pytest.approx([-0.3, 0.0, 0.3])
    assert d["T"] == 0.05 and d["version"] and d["parameters"]["model_parameters"]["b"] == 0.5
    for q in ("alpha", "M", "Tbeta_kubo", "Tbeta"):
        t = np.array(d[q])
        assert t.shape == (3, 3, 3)                                  # [mu][a][i]
        assert q in d["units"] and "b/8 pi alpha" in d["units"][q]
        assert np.allclose(t[:, 0, 0], t[:, 1, 1])
    # paper units: alpha(T -> 0) = 1/b - 1/w_F for |mu| < b; at T = 0.05 close to it
    wF = 1 + np.sqrt(1 + 0.25 + 2 * np.array(d["mu"]))
    assert np.allclose(np.array(d["alpha"])[:, 0, 0], 2 - 1 / wF, rtol=0.05)
    assert png.stat().st_size > 10000
    assert np.array(d["temperature_dependence"]["Tbeta"]).shape == (10, 1, 3, 3)


def test_polar_method_and_natural_units(tmp_path):
    out = tmp_path / "p.json"
    rc = main(BASE + ["--model", "rashba-fm", "--method", "polar", "--nk-radial", "4000",
                      "--json", str(out)])
    assert rc == 0
    d = json.loads(out.read_text())
    assert d["method"] == "polar" and d["units"]["alpha"].startswith("q g mu_B")


def test_insulator_model(tmp_path):
    out = tmp_path / "i.json"
    assert main(["spin-mqm", "--model", "rashba-insulator", "--T", "0.01", "--mu-min", "0.1",
                 "--mu-max", "0.2", "--mu-step", "0.1", "--nk", "24", "--json", str(out)]) == 0
    assert np.array(json.loads(out.read_text())["M"]).shape == (2, 3, 3)


@pytest.mark.parametrize("extra", [
    ["--model", "rashba-fm", "--units", "si"],                  # model units are not eV/A
    ["--model", "rashba-fm", "--method", "polar", "--T", "5"],  # occupied beyond the zone
    ["--model", "rashba-insulator", "--mass", "2"],
    ["--model", "no-such-model"],
    ["--seedname", "does/not/exist"],
])
def test_user_errors(tmp_path, extra, capsys):
    args = BASE + extra + ["--nk", "8", "--json", str(tmp_path / "x.json")]
    if "--T" in extra:
        args = ["spin-mqm", "--mu-min", "0", "--mu-max", "0", "--mu-step", "1"] + extra + [
            "--nk-radial", "200", "--json", str(tmp_path / "x.json")]
    assert main(args) == 2
    assert "error" in capsys.readouterr().err


def test_bad_mu_grid(tmp_path):
    assert main(["spin-mqm", "--model", "rashba-fm", "--T", "0.1", "--mu-min", "0", "--mu-max",
                 "1", "--mu-step", "0", "--json", str(tmp_path / "x.json")]) == 2


def _write_wannier90(tmp_path, a=3.0):
    """The gapped lattice Rashba model as Wannier90 _hr.dat + .win (eV, Angstrom)."""
    from w90resp.models.rashba import rashba_insulator
    tb = rashba_insulator(lattice_constant=a)
    Rs = sorted(tb.hoppings)
    lines = ["test model", "2", str(len(Rs))]
    deg = ["1"] * len(Rs)
    lines += [" ".join(deg[i:i + 15]) for i in range(0, len(deg), 15)]
    for R in Rs:
        h = tb.hoppings[R]
        for n in range(2):
            for m in range(2):
                lines.append(f"{R[0]} {R[1]} {R[2]} {m + 1} {n + 1} {h[m, n].real:.12f} {h[m, n].imag:.12f}")
    (tmp_path / "ri_hr.dat").write_text("\n".join(lines) + "\n")
    (tmp_path / "ri.win").write_text(
        "num_wann = 2\nspinors = true\nbegin unit_cell_cart\nang\n"
        f"{a} 0 0\n0 {a} 0\n0 0 {10 * a}\nend unit_cell_cart\n"
        f"begin atoms_cart\nang\nFe 0 0 0\nI 0 0 {2.5 * a}\nend atoms_cart\n"
        "begin projections\nFe: s\nend projections\n")
    return str(tmp_path / "ri")


def test_seedname_si_units_and_magmoms(tmp_path):
    pytest.importorskip("w90resp.io.wannier90")
    seed = _write_wannier90(tmp_path)
    common = ["spin-mqm", "--seedname", seed, "--T", "0.01", "--mu-min", "0.0", "--mu-max", "0.2",
              "--mu-step", "0.1", "--nk", "24"]
    # a magnet read without --magmoms: refused (time reversal would erase its exchange)
    assert main(common + ["--json", str(tmp_path / "r.json")]) == 2
    assert not (tmp_path / "r.json").exists()
    assert main(common + ["--no-symmetrize-hamiltonian", "--no-symmetry",
                          "--json", str(tmp_path / "n.json")]) == 0
    assert main(common + ["--magmoms", "1", "0", "--units", "si", "--json", str(tmp_path / "s.json")]) == 0
    n = json.loads((tmp_path / "n.json").read_text())
    s = json.loads((tmp_path / "s.json").read_text())
    assert not n["symmetrized"] and s["symmetrized"]
    assert s["units"]["alpha"] == "A m/V" and s["units"]["M"] == "A m"
    mu_B = 9.2740100783e-24
    # q = -e, g = 2, per Angstrom -> per metre
    assert np.allclose(np.array(s["alpha"]), -2 * mu_B * 1e10 * np.array(n["alpha"]), rtol=1e-8,
                       atol=1e-12 * 2 * mu_B * 1e10 * np.abs(n["alpha"]).max())
    assert np.allclose(np.array(s["M"]), 2 * mu_B * 1e10 * np.array(n["M"]), rtol=1e-8,
                       atol=1e-12 * 2 * mu_B * 1e10 * np.abs(n["M"]).max())
    assert np.abs(np.array(n["alpha"])[:, 0, 0]).min() > 0
    assert main(common + ["--magmoms", "1", "--json", str(tmp_path / "x.json")]) == 2
