"""Our monolayer CrI3 (data/cri3_monolayer, FM with SOC): a real magnetic Wannier
Hamiltonian through the magnetic symmetrizer and the commands."""
import json
import os
import warnings

import numpy as np
import pytest

from w90resp.cli import main

SEED = os.path.join(os.path.dirname(__file__), os.pardir, "data", "cri3_monolayer", "CrI3")
pytestmark = pytest.mark.skipif(not os.path.exists(SEED + "_tb.dat.gz"), reason="CrI3 data absent")
MAGMOMS = ["--magmoms", "3", "3", "0", "0", "0", "0", "0", "0"]


def test_exchange_splitting_survives_the_magnetic_group():
    from w90resp.io import load_wannier90
    from w90resp.symmetry.hamiltonian import exchange_splitting, symmetrize_hamiltonian
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tb = load_wannier90(SEED)
    assert tb.parameters["mdrs"].startswith("applied")
    tb.magnetic_moments = [[0, 0, 3.0]] * 2 + [[0, 0, 0.0]] * 6
    sym, rep = symmetrize_hamiltonian(tb)
    assert rep["operations"] == 12 and rep["antiunitary_operations"] == 6     # -3m'
    assert rep["removed_max"] < 1e-3 * rep["max_H"]
    ex0, ex1 = exchange_splitting(tb), exchange_splitting(sym)
    assert min(ex0[0], ex0[1]) > 1.0                       # Cr: the d3 exchange splitting
    for s in ex0:
        assert abs(ex0[s] - ex1[s]) <= rep["removed_max"]


def test_time_reversal_refused_and_inversion_zero(tmp_path, capsys):
    base = ["orbital-me", "--seedname", SEED, "--T", "0.001", "--mu-min", "-1.5",
            "--mu-max", "-0.5", "--mu-step", "0.5", "--nk", "9"]
    assert main(base + ["--json", str(tmp_path / "a.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "exchange splitting" in err[0] and "--magmoms" in err[0]
    # centrosymmetric FM: chi is inversion-odd, zero with the symmetrized H even when the
    # k-sum does not use symmetry; the file as read breaks inversion slightly
    out = {}
    for tag, extra in (("sym", []), ("raw", ["--no-symmetrize-hamiltonian"])):
        path = tmp_path / f"{tag}.json"
        assert main(base + MAGMOMS + ["--no-symmetry", *extra, "--json", str(path)]) == 0
        out[tag] = np.abs(np.array(json.load(open(path))["chi_natural"])).max()
    assert out["raw"] > 0
    # the symmetrized value is round-off of the k sum (6e-11 here, 1.0e-5 of the raw value
    # on one numpy build, below it on another): four orders below the file's own breaking
    assert out["sym"] <= 1e-4 * out["raw"]
