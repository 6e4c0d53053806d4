"""``w90resp symmetry`` command line."""
import json

import numpy as np
from ase.build import mx2

import w90resp
from w90resp.cli import main

LAM = {"x2-y2": 0, "3z2-r2": 1, "xy": 2, "yz": 3, "xz": 4}


def _constraint(rel):
    v = np.zeros((3, 3, 5))
    v[tuple(rel["component"])] += 1.0
    for t in rel["terms"]:
        v[tuple(t["component"])] -= t["coefficient"]
    return v.ravel()


def _implied(relations, combo):
    C = np.array([_constraint(r) for r in relations])
    v = np.zeros((3, 3, 5))
    for k, c in combo.items():
        v[k] = c
    coef, *_ = np.linalg.lstsq(C.T, v.ravel(), rcond=None)
    return np.allclose(C.T @ coef, v.ravel(), atol=1e-9)


def test_cli_c3v_json(tmp_path, capsys):
    out = tmp_path / "out.json"
    assert main(["symmetry", "--point-group", "C3v", "--response", "fcim", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "3m" in printed and "C3v" in printed
    d = json.loads(out.read_text())
    assert d["version"] == w90resp.__version__
    assert d["hermann_mauguin"] == "3m" and d["schoenflies"] == "C3v"
    allowed = np.array(d["allowed"])
    assert allowed.shape == (3, 3, 5) and allowed.dtype == bool
    # FCIM paper Eq. (46) / Sec. III C: f_xx^{xy} = -2 f_yx^{x2-y2} (strain basis) ...
    assert _implied(d["relations"], {(0, 0, LAM["xy"]): 1.0, (1, 0, LAM["x2-y2"]): 2.0})
    assert not _implied(d["relations"], {(0, 0, LAM["xy"]): 1.0, (1, 0, LAM["x2-y2"]): 1.0})
    # ... which is F_xx^{xy} = -F_yx^{x2-y2} in the Q basis
    assert _implied(d["relations_Q"], {(0, 0, LAM["xy"]): 1.0, (1, 0, LAM["x2-y2"]): 1.0})
    # the printed relation is human-readable
    texts = [r["text"] for r in d["relations"]]
    assert "f_yx^{x2-y2} = -1/2 f_xx^{xy}" in texts


def test_cli_bad_symbol(capsys):
    assert main(["symmetry", "--point-group", "C7x", "--response", "fcim"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "C7x" in err


def test_cli_all(tmp_path, capsys):
    out = tmp_path / "all.json"
    assert main(["symmetry", "--point-group", "all", "--response", "fcim", "--json", str(out)]) == 0
    d = json.loads(out.read_text())
    assert len(d["groups"]) == 32 and "-6m2" in d["groups"] and "m-3m" in d["groups"]
    assert not np.any(d["groups"]["m-3m"]["allowed"])
    assert d["groups"]["-6m2"]["schoenflies"] == "D3h"


def test_cli_structure_and_magmoms(tmp_path, capsys):
    import ase.io
    atoms = mx2("MoS2", kind="2H", a=3.18, thickness=3.19, vacuum=10.0)
    path = tmp_path / "mos2.xyz"
    ase.io.write(path, atoms, format="extxyz")
    assert main(["symmetry", str(path), "--response", "fcim"]) == 0
    assert "D3h" in capsys.readouterr().out
    # a ferromagnetic Mo moment along z: M_z invariant, so the group becomes -6m'2'
    assert main(["symmetry", str(path), "--response", "spin-me", "--magmoms", "1", "0", "0"]) == 0
    assert "-6m'2'" in capsys.readouterr().out
    assert main(["symmetry", str(path), "--response", "spin-me", "--magmoms", "1", "0"]) == 2
    assert main(["symmetry", "--point-group=-3'm'", "--response", "spin-me"]) == 0
