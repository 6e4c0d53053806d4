"""End-to-end: the ``w90resp fcim`` command on a model and on Wannier90 files."""
import json

import numpy as np
import pytest

from w90resp.cli import main
from w90resp.models.decorated_square import decorated_square
from w90resp.io import write_hr, write_win, write_centres_xyz
from w90resp.operators import LAMBDAS
from w90resp import __version__

ARGS = ["--kT", "0.05", "--eta", "0.05", "--mu-min", "-1", "--mu-max", "1", "--mu-step", "0.25",
        "--nk", "16", "--quiet"]


def test_model_json_and_plot(tmp_path):
    out, png = tmp_path / "f.json", tmp_path / "f.png"
    assert main(["fcim", "--model", "decorated-square", *ARGS, "--json", str(out), "--plot", str(png)]) == 0
    d = json.loads(out.read_text())
    assert d["lambda"] == list(LAMBDAS)
    assert d["mu"] == pytest.approx(np.arange(-1, 1.0001, 0.25))
    assert d["kT"] == 0.05 and d["eta"] == 0.05
    assert d["version"] == __version__
    assert "per unit area" in d["units"]["f/g"]
    for M in ("L", "S"):
        assert np.array(d[M]).shape == (9, 3, 3, 5)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_wannier90_files_give_the_model_result(tmp_path):
    """The same Hamiltonian through _hr.dat + .win + centres gives the same FCIM
    (lengths in the model's lattice constant = 1, so natural units coincide)."""
    m = decorated_square()
    seed = tmp_path / "ds"
    mp = write_hr(m, str(seed) + "_hr.dat")
    write_win(m, str(seed) + ".win", mp_grid=mp)
    write_centres_xyz(m, str(seed) + "_centres.xyz")
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["fcim", "--model", "decorated-square", *ARGS, "--json", str(a)]) == 0
    assert main(["fcim", "--seedname", str(seed), *ARGS, "--units", "natural", "--json", str(b)]) == 0
    da, db = json.loads(a.read_text()), json.loads(b.read_text())
    for M in ("L", "S"):
        fa, fb = np.array(da[M]), np.array(db[M])
        assert np.abs(fa - fb).max() < 1e-9 * np.abs(fa).max()


@pytest.mark.parametrize("extra,message", [
    (["--model", "nonexistent"], "unknown model"),
    (["--model", "decorated-square", "--units", "si"], "needs a Hamiltonian in eV"),
    (["--seedname", "/nonexistent/seed"], "nonexistent"),
    (["--model", "decorated-square", "--moments", "X"], "unknown moment"),
])
def test_bad_input_one_line(tmp_path, capsys, extra, message):
    code = main(["fcim", *extra, *ARGS, "--json", str(tmp_path / "x.json")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and message in err[0]


def test_negative_temperature(tmp_path, capsys):
    args = [a if a != "0.05" else "-0.05" for a in ARGS]
    assert main(["fcim", "--model", "decorated-square", *args, "--json", str(tmp_path / "x.json")]) == 2
    assert "positive" in capsys.readouterr().err


def test_bloch_and_full_kubo_options(tmp_path):
    """--moments with the Bloch moment and --kubo full: the intraband run's L equals the
    'full' run's intraband part, and the magnetic moments carry mu_B units."""
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    common = ["fcim", "--model", "decorated-square", *ARGS, "--bloch-to-muB", "1.0"]
    assert main([*common, "--moments", "L,bloch", "--json", str(a)]) == 0
    assert main([*common, "--moments", "L,bloch", "--kubo", "full", "--split", "--json", str(b)]) == 0
    da, db = json.loads(a.read_text()), json.loads(b.read_text())
    assert "mu_B" in da["units"]["f/g [bloch]"]
    assert db["parameters"]["kubo"] == "full"
    for M in ("L", "bloch"):
        intra = np.array(db[M]) - np.array(db[M + "_interband"])
        assert np.abs(intra - np.array(da[M])).max() < 1e-9 * np.abs(da[M]).max()
