"""Real-input handling end to end: spinor order, hybrid projections, Fermi level and
mu relative to it, the symmetrizer's refusal of implausible input, --structure."""
import json
import os
import warnings

import numpy as np
import pytest

from w90resp.cli import main
from w90resp.io import load_wannier90, read_tb, write_hr
from w90resp.io.loader import load_wannier90 as _load
from w90resp.orbitals import Orbital
from w90resp.tb import TightBinding

HERE = os.path.dirname(__file__)
MOSSE = os.path.join(HERE, os.pardir, "data", "mosse", "MoSSe")
have_mosse = pytest.mark.skipif(not os.path.exists(MOSSE + "_tb.dat"), reason="MoSSe data absent")


def _raw_tb(hoppings, lattice, nw):
    orbs = [Orbital(0, "X", np.zeros(3), "s", "s", "none") for _ in range(nw)]
    return TightBinding(name="raw", real_lattice=lattice, orbitals=orbs, hoppings=hoppings)


def _mosse_copy(tmp_path, order):
    """MoSSe's H(R) as an _hr.dat in interlaced (as written) or block spinor order, with
    the .win without mp_grid (the copy's R list is a padded box)."""
    d = read_tb(MOSSE + "_tb.dat")
    nw = d.ham.shape[1]
    p = np.arange(nw) if order == "interlaced" else np.r_[np.arange(0, nw, 2), np.arange(1, nw, 2)]
    hop = {tuple(int(x) for x in R): h[np.ix_(p, p)] for R, h in zip(d.rvecs, d.ham)}
    seed = str(tmp_path / order / "MoSSe")
    os.makedirs(os.path.dirname(seed))
    write_hr(_raw_tb(hop, d.lattice, nw), seed + "_hr.dat")
    win = open(MOSSE + ".win").read()
    win = "\n".join(ln for ln in win.splitlines() if not ln.strip().lower().startswith("mp_grid"))
    open(seed + ".win", "w").write(win)
    return seed


def _fcim(seed, out, *extra):
    rc = main(["fcim", "--seedname", seed, "--kT", "0.05", "--eta", "0.05", "--mu-min", "-1.8",
               "--mu-max", "-1.0", "--mu-step", "0.4", "--nk", "9", "--quiet",
               "--json", str(out), *extra])
    assert rc == 0
    return json.load(open(out))


@have_mosse
def test_block_and_interlaced_copies_give_identical_results(tmp_path, capsys):
    a = _mosse_copy(tmp_path, "interlaced")
    b = _mosse_copy(tmp_path, "block")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ta, tb_ = _load(a), _load(b)
    assert ta.parameters["spin_order"] == "interlaced"
    assert tb_.parameters["spin_order"] == "block"
    assert "time-reversal" in tb_.parameters["spin_order_reason"]
    # the same labelled matrix elements (labels follow the file's order)
    key = lambda o: (o.site, o.orbital, o.spin)                       # noqa: E731
    where = {key(o): i for i, o in enumerate(tb_.orbitals)}
    perm = [where[key(o)] for o in ta.orbitals]
    for R, h in ta.hoppings.items():
        assert np.abs(tb_.hoppings[R][np.ix_(perm, perm)] - h).max() < 1e-13
    ra = _fcim(a, tmp_path / "a.json")
    rb = _fcim(b, tmp_path / "b.json")
    for key in ("L", "S"):
        x, y = np.array(ra[key]), np.array(rb[key])
        assert np.abs(x).max() > 0
        assert np.abs(x - y).max() <= 1e-12 * np.abs(x).max()
    # read as the wrong order on purpose, the symmetrizer refuses instead of computing
    capsys.readouterr()
    rc = main(["fcim", "--seedname", b, "--kT", "0.05", "--eta", "0.05", "--mu-min", "-1.8",
               "--mu-max", "-1.0", "--mu-step", "0.4", "--nk", "9", "--quiet",
               "--json", str(tmp_path / "c.json"), "--spin-order", "interlaced"])
    assert rc != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "spinor order" in err[0] and "--spin-order" in err[0]
    assert not os.path.exists(tmp_path / "c.json")


@have_mosse
def test_mu_relative_round_trip(tmp_path):
    ef = -1.4416          # 'the Fermi energy is' line of data/mosse/scf.out
    absolute = _fcim(MOSSE, tmp_path / "abs.json")
    rel = main(["fcim", "--seedname", MOSSE, "--kT", "0.05", "--eta", "0.05",
                "--mu-min", str(-1.8 - ef), "--mu-max", str(-1.0 - ef), "--mu-step", "0.4",
                "--nk", "9", "--quiet", "--fermi-from", os.path.join(os.path.dirname(MOSSE), "scf.out"),
                "--mu-relative", "--json", str(tmp_path / "rel.json")])
    assert rel == 0
    r = json.load(open(tmp_path / "rel.json"))
    assert r["fermi_energy"] == pytest.approx(ef)
    np.testing.assert_allclose(r["mu"], absolute["mu"], atol=1e-12)
    np.testing.assert_allclose(r["mu_minus_fermi"], np.array(absolute["mu"]) - ef, atol=1e-12)
    for key in ("L", "S"):
        np.testing.assert_allclose(r[key], absolute[key], rtol=0, atol=1e-12 * np.abs(absolute[key]).max())


def test_mu_relative_without_fermi_level_is_one_line(tmp_path, capsys):
    assert 0 != main(["fcim", "--model", "mos2", "--kT", "0.05", "--eta", "0.05", "--mu-min", "0",
              "--mu-max", "0", "--mu-step", "0.1", "--nk", "4", "--mu-relative",
              "--json", str(tmp_path / "x.json")])
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--mu-relative" in err[0] and "--fermi-energy" in err[0]


# --------------------------------------------------------------- hybrid projections
def _sp3_coefficients():
    """Wannier90 User Guide Table 3.2, in the basis (s, pz, px, py) (W90's p order)."""
    s, pz, px, py = np.eye(4)
    return np.array([s + px + py + pz, s + px - py - pz, s - px + py - pz, s - px - py + pz]).T / 2


WIN = """num_wann = {nw}
begin unit_cell_cart
ang
 3.0 0.0 0.0
 0.0 3.2 0.0
 0.0 0.0 3.4
end unit_cell_cart
begin atoms_cart
ang
 X 0.1 0.2 0.3
end atoms_cart
begin projections
 X: {proj}
end projections
"""


def test_sp3_projections_equal_the_pure_basis(tmp_path):
    """The same H in the sp3 basis and in pure (s, p) orbitals: identical bands and identical
    <n|L|n>, <n|Q|n> for every band (<= 1e-10)."""
    rng = np.random.default_rng(11)
    nw = 4
    lat = np.diag([3.0, 3.2, 3.4])
    Rs = [(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, 0, 1)]
    hop = {}
    for R in Rs:
        h = rng.normal(size=(nw, nw)) + 1j * rng.normal(size=(nw, nw))
        if R == (0, 0, 0):
            h = h + h.conj().T
            h = h.real + 0j              # real on-site block: a time-reversal-even H
        hop[R] = h
        hop[tuple(-x for x in R)] = h.conj().T
    C = _sp3_coefficients()             # |sp3_j> = sum_i C_ij |pure_i>
    hyb = {R: C.T @ h @ C for R, h in hop.items()}
    for name, hh, proj in (("pure", hop, "s;p"), ("hyb", hyb, "sp3")):
        write_hr(_raw_tb(hh, lat, nw), str(tmp_path / f"{name}_hr.dat"))
        (tmp_path / f"{name}.win").write_text(WIN.format(nw=nw, proj=proj))
    pure = load_wannier90(str(tmp_path / "pure"))
    hybr = load_wannier90(str(tmp_path / "hyb"))
    assert [o.orbital for o in hybr.orbitals] == [o.orbital for o in pure.orbitals]
    assert "rotated to pure" in hybr.parameters["basis"]
    k = rng.random((7, 3))
    Ep, Up = np.linalg.eigh(pure.hamiltonian(k))
    Eh, Uh = np.linalg.eigh(hybr.hamiltonian(k))
    assert np.abs(Ep - Eh).max() < 1e-10
    for key in ("L", "Q"):
        Op, Oh = pure.operators()[key], hybr.operators()[key]
        assert np.abs(Op).max() > 0
        ep = np.einsum("kin,cij,kjn->knc", Up.conj(), Op, Up)
        eh = np.einsum("kin,cij,kjn->knc", Uh.conj(), Oh, Uh)
        assert np.abs(ep - eh).max() < 1e-10
    # the same file read as if its functions were pure orbitals gives other L, Q values
    (tmp_path / "wrong.win").write_text(WIN.format(nw=nw, proj="s;p"))
    os.replace(tmp_path / "hyb_hr.dat", tmp_path / "wrong_hr.dat")
    wrong = load_wannier90(str(tmp_path / "wrong"))
    Ew, Uw = np.linalg.eigh(wrong.hamiltonian(k))
    ew = np.einsum("kin,cij,kjn->knc", Uw.conj(), wrong.operators()["Q"], Uw)
    eq = np.einsum("kin,cij,kjn->knc", Up.conj(), pure.operators()["Q"], Up)
    assert np.abs(ew - eq).max() > 1e-3


def test_structure_and_projections_instead_of_win(tmp_path):
    """--structure + --projections label an _hr.dat that has no .win (VASP + WannierTools)."""
    from ase import Atoms
    import ase.io
    rng = np.random.default_rng(5)
    lat = np.diag([3.0, 3.2, 3.4])
    h0 = rng.normal(size=(4, 4))
    hop = {(0, 0, 0): (h0 + h0.T) + 0j}
    t = rng.normal(size=(4, 4)) + 0j
    hop[(1, 0, 0)], hop[(-1, 0, 0)] = t, t.conj().T
    write_hr(_raw_tb(hop, lat, 4), str(tmp_path / "v_hr.dat"))
    ase.io.write(str(tmp_path / "POSCAR"), Atoms("Si", positions=[[0.1, 0.2, 0.3]], cell=lat,
                                                 pbc=True), format="vasp")
    tb = load_wannier90(str(tmp_path / "v"), structure=str(tmp_path / "POSCAR"), projections="Si:s;p")
    assert [o.orbital for o in tb.orbitals] == ["s", "pz", "px", "py"]
    np.testing.assert_allclose(tb.real_lattice, lat)
    rc = main(["fcim", "--seedname", str(tmp_path / "v"), "--structure", str(tmp_path / "POSCAR"),
               "--projections", "Si:s;p", "--kT", "0.1", "--eta", "0.1", "--mu-min", "0",
               "--mu-max", "0", "--mu-step", "0.1", "--nk", "4", "--quiet",
               "--no-symmetrize-hamiltonian", "--moments", "L", "--json", str(tmp_path / "v.json")])
    assert rc == 0


def test_structure_without_projections_is_one_line(tmp_path, capsys):
    assert 0 != main(["fcim", "--seedname", str(tmp_path / "v"), "--structure", "POSCAR", "--kT", "0.1",
              "--eta", "0.1", "--mu-min", "0", "--mu-max", "0", "--mu-step", "0.1",
              "--json", str(tmp_path / "v.json")])
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--structure and --projections" in err[0]


@have_mosse
@pytest.mark.parametrize("nk", [9, 10])
def test_time_reversal_symmetric_input_gives_zero_odd_responses(tmp_path, nk):
    """MoSSe is nonmagnetic: by default (symmetrized H, grey group in the k-sum) the spin ME
    and the orbital ME vanish; read raw they do not (what the default protects against)."""
    base = ["--seedname", MOSSE, "--T", "0.05", "--mu-min", "-2.2", "--mu-max", "-0.6",
            "--mu-step", "0.8", "--nk", str(nk)]
    raw = ["--no-symmetrize-hamiltonian", "--no-symmetry"]
    out = {}
    for cmd, key in (("spin-mqm", "alpha"), ("orbital-me", "chi")):
        for tag, extra in (("sym", []), ("raw", raw)):
            path = tmp_path / f"{cmd}_{tag}.json"
            assert main([cmd, *base, *extra, "--json", str(path)]) == 0
            out[cmd, tag] = np.abs(np.array(json.load(open(path))[key])).max()
        assert out[cmd, "raw"] > 0
        assert out[cmd, "sym"] <= 1e-10 * out[cmd, "raw"]
