"""Wannier90 files: _hr.dat / _tb.dat / .win / centres readers, writers and the loader."""
import os
import warnings

import numpy as np
import pytest

from w90resp.errors import InputFileError
from w90resp.io import (read_hr, read_tb, read_win, write_hr, write_tb, write_win,
                        write_centres_xyz, read_centres_xyz, read_wt_centres,
                        spin_order_from_centres, orbitals_from_win, orbitals_from_spec,
                        load_wannier90, detect_periodic)
from w90resp.models.decorated_square import decorated_square
from w90resp.operators import ORBITAL_ORDER
from w90resp.tb import TightBinding

KPTS = np.array([[0.0, 0.0, 0.0], [0.5, 0.0, 0.0], [0.5, 0.5, 0.0], [0.13, 0.37, 0.0],
                 [-0.21, 0.08, 0.3]])


def eig(tb, k=KPTS):
    return np.linalg.eigvalsh(tb.hamiltonian(k))


def eig_from_blocks(rvecs, ham, k=KPTS):
    """H(k) = sum_R H(R) exp(2 pi i k.R) (Wannier90 phase convention), eigenvalues."""
    Hk = np.einsum("kr,rmn->kmn", np.exp(2j * np.pi * k @ np.asarray(rvecs).T), ham)
    return np.linalg.eigvalsh(Hk)


# --------------------------------------------------------------- hand-written files
# Two WFs on a chain along a1 with a 2-point k grid: Wannier90's Wigner-Seitz set is
# R = -1, 0, 1 with degeneracies 2, 1, 2 (sum 1/2 + 1 + 1/2 = 2 = N_k).
CHAIN_H = {
    (0, 0, 0): np.array([[1.0, 0.2 + 0.1j], [0.2 - 0.1j, -1.0]]),
    (1, 0, 0): np.array([[-0.3, 0.05 + 0.02j], [0.01j, -0.25]]),
}
CHAIN_H[(-1, 0, 0)] = CHAIN_H[(1, 0, 0)].conj().T
CHAIN_DEG = {(-1, 0, 0): 2, (0, 0, 0): 1, (1, 0, 0): 2}
CHAIN_ORDER = [(-1, 0, 0), (0, 0, 0), (1, 0, 0)]


def chain_hr_text(order=CHAIN_ORDER, deg=CHAIN_DEG, blocks=CHAIN_H, nw=2, nrpts=None):
    """The file as the format spec describes it: values written = H(R) * ndegen(R)."""
    nrpts = len(order) if nrpts is None else nrpts
    out = [" written on 01Jan2026 at 00:00:00", f"{nw:12d}", f"{nrpts:12d}",
           "".join(f"{deg[R]:5d}" for R in order)]
    for R in order:
        h = blocks[R] * deg[R]
        for n in range(nw):
            for m in range(nw):
                out.append(f"{R[0]:5d}{R[1]:5d}{R[2]:5d}{m + 1:5d}{n + 1:5d}"
                           f"{h[m, n].real:12.6f}{h[m, n].imag:12.6f}")
    return "\n".join(out) + "\n"


def write(path, text):
    path.write_text(text)
    return str(path)


def test_read_hr_handwritten_divides_by_degeneracy(tmp_path):
    p = write(tmp_path / "chain_hr.dat", chain_hr_text())
    nw, rvecs, ndegen, ham = read_hr(p, mp_grid=(2, 1, 1))
    assert nw == 2
    assert [tuple(r) for r in rvecs] == CHAIN_ORDER
    assert list(ndegen) == [2, 1, 2]
    for i, R in enumerate(CHAIN_ORDER):
        np.testing.assert_allclose(ham[i], CHAIN_H[R], atol=1e-12)
    # m is the row index: H_12(0) = <1,0|H|2,0> = 0.2 + 0.1i
    assert ham[1][0, 1] == pytest.approx(0.2 + 0.1j)


def test_load_hr_with_win_eigenvalues_match_fourier_sum(tmp_path):
    write(tmp_path / "chain_hr.dat", chain_hr_text())
    write(tmp_path / "chain.win", """
num_wann = 2
mp_grid : 2 1 1
begin unit_cell_cart
 3.0 0 0
 0 20 0
 0 0 20
end unit_cell_cart
begin atoms_frac
 A 0.0 0.5 0.5
 B 0.5 0.5 0.5
end atoms_frac
begin projections
 A: s
 B: pz
end projections
""")
    tb = load_wannier90(str(tmp_path / "chain"))
    assert tb.energy_unit == "eV" and tb.length_unit == "Angstrom"
    assert [(o.species, o.orbital, o.spin) for o in tb.orbitals] == [("A", "s", "none"),
                                                                     ("B", "pz", "none")]
    np.testing.assert_allclose(tb.orbitals[1].position, [1.5, 10.0, 10.0])
    # the physical H(k) with the 1/ndegen weights; the loaded tb must agree
    rvecs = np.array(list(CHAIN_H))
    ham = np.array([CHAIN_H[tuple(R)] for R in rvecs])
    np.testing.assert_allclose(eig(tb), eig_from_blocks(rvecs, ham), atol=1e-10)


def test_read_tb_handwritten_with_positions(tmp_path):
    lat = np.array([[3.0, 0, 0], [0, 20.0, 0], [0, 0, 20.0]])
    tau = np.array([[0.1, 0.2, 0.3], [1.6, 0.2, 0.3]])
    out = [" written on today", *[" ".join(f"{x:.10f}" for x in a) for a in lat], "2", "3",
           "    2    1    2"]
    for R in CHAIN_ORDER:
        out += ["", f"{R[0]:5d}{R[1]:5d}{R[2]:5d}"]
        h = CHAIN_H[R] * CHAIN_DEG[R]
        out += [f"{m + 1:5d}{n + 1:5d}   {h[m, n].real:15.8E} {h[m, n].imag:15.8E}"
                for n in range(2) for m in range(2)]
    for R in CHAIN_ORDER:
        out += ["", f"{R[0]:5d}{R[1]:5d}{R[2]:5d}"]
        for n in range(2):
            for m in range(2):
                r = tau[m] * CHAIN_DEG[R] if (R == (0, 0, 0) and m == n) else [0.0, 0.0, 0.0]
                if R == (1, 0, 0) and (m, n) == (0, 1):
                    r = [0.4 * CHAIN_DEG[R], 0, 0]  # an off-diagonal element, x only
                out.append(f"{m + 1:5d}{n + 1:5d}   " +
                           " ".join(f"{x:15.8E} {0.0:15.8E}" for x in r))
    p = write(tmp_path / "chain_tb.dat", "\n".join(out) + "\n")
    lattice, rvecs, ndegen, ham, pos = read_tb(p, mp_grid=(2, 1, 1))
    np.testing.assert_allclose(lattice, lat)
    assert list(ndegen) == [2, 1, 2]
    for i, R in enumerate(CHAIN_ORDER):
        np.testing.assert_allclose(ham[i], CHAIN_H[R], atol=1e-8)
    assert pos.shape == (3, 2, 2, 3)
    np.testing.assert_allclose(pos[1][[0, 1], [0, 1]].real, tau)
    assert pos[2][0, 1, 0] == pytest.approx(0.4)
    np.testing.assert_allclose(read_tb(p).centres, tau)


# ---------------------------------------------------------- round trips of a model
@pytest.fixture(scope="module")
def model():
    return decorated_square()


def test_hr_round_trip_exact(tmp_path, model):
    p = str(tmp_path / "ds_hr.dat")
    grid = write_hr(model, p)
    # all hoppings are within |R_i| <= 1, so the padded box is 3 x 3 x 1
    assert grid == (3, 3, 1)
    nw, rvecs, ndegen, ham = read_hr(p, mp_grid=grid)
    assert nw == model.num_wann
    assert len(rvecs) == 9 and np.all(ndegen == 1)
    got = {tuple(R): h for R, h in zip(rvecs, ham)}
    for R, h in model.hoppings.items():
        assert np.array_equal(got[R], h)
    for R in set(got) - set(model.hoppings):
        assert not got[R].any()


def test_hr_with_weights_round_trip(tmp_path, model):
    # writing H(R) * ndegen and reading back must give H(R)
    deg = {R: (2 if R != (0, 0, 0) else 1) for R in model.hoppings}
    p = str(tmp_path / "w_hr.dat")
    write_hr(model, p, ndegen=deg)
    with pytest.raises(InputFileError):  # 1 + 4/2 = 3: fine as an integer, but not 9
        read_hr(p, mp_grid=(3, 3, 1))
    nw, rvecs, ndegen, ham = read_hr(p)
    for R, h, d in zip(rvecs, ham, ndegen):
        assert d == deg[tuple(R)]
        np.testing.assert_allclose(h, model.hoppings[tuple(R)], rtol=0, atol=1e-15)


def test_tb_round_trip_and_centres(tmp_path, model):
    p = str(tmp_path / "ds_tb.dat")
    write_tb(model, p)
    data = read_tb(p)
    np.testing.assert_array_equal(data.lattice, model.real_lattice)
    got = {tuple(R): h for R, h in zip(data.rvecs, data.ham)}
    for R, h in model.hoppings.items():
        assert np.array_equal(got[R], h)
    np.testing.assert_allclose(data.centres, model.positions)


def test_win_round_trip_labels(tmp_path, model):
    grid = write_hr(model, str(tmp_path / "ds_hr.dat"))
    write_win(model, str(tmp_path / "ds.win"), mp_grid=grid)
    win = read_win(str(tmp_path / "ds.win"))
    assert win.spinors and win.num_wann == 10 and win.mp_grid == (3, 3, 1)
    orbs = orbitals_from_win(win)
    assert [(o.site, o.species, o.orbital, o.spin) for o in orbs] == \
        [(o.site, o.species, o.orbital, o.spin) for o in model.orbitals]
    for a, b in zip(orbs, model.orbitals):
        np.testing.assert_allclose(a.position, b.position, atol=1e-10)


def test_load_from_hr_and_win(tmp_path, model):
    grid = write_hr(model, str(tmp_path / "ds_hr.dat"))
    write_win(model, str(tmp_path / "ds.win"), mp_grid=grid)
    tb = load_wannier90(str(tmp_path / "ds"))
    assert isinstance(tb, TightBinding)
    assert tb.periodic == (True, True, False)          # c = 10, atoms within 0.1: a slab
    assert tb.num_wann == 10 and tb.spinful
    assert [a[0] for a in tb.atoms] == [a[0] for a in model.atoms]
    np.testing.assert_allclose(eig(tb), eig(model), atol=1e-12)
    # operators follow the labels: same on-site L, S as the model
    for key in ("L", "S", "Q"):
        np.testing.assert_allclose(tb.operators()[key], model.operators()[key])


def test_load_from_tb_without_win_detects_interlaced(tmp_path, model):
    write_tb(model, str(tmp_path / "ds_tb.dat"))
    spec = [("P", (0, 0, 0), "p"), ("S1", (0.5, 0, 0.1), "s"), ("S2", (0, 0.5, 0.1), "s")]
    tb = load_wannier90(str(tmp_path / "ds"), orbitals=spec)
    assert [(o.orbital, o.spin) for o in tb.orbitals] == \
        [(o.orbital, o.spin) for o in model.orbitals]
    np.testing.assert_allclose(eig(tb), eig(model), atol=1e-12)


def _block_model(model):
    """The same model with spin in two blocks (all up, then all down)."""
    perm = [i for i, o in enumerate(model.orbitals) if o.spin == "up"] + \
           [i for i, o in enumerate(model.orbitals) if o.spin == "down"]
    orbs = [model.orbitals[i] for i in perm]
    hop = {R: h[np.ix_(perm, perm)] for R, h in model.hoppings.items()}
    return TightBinding(name="block", real_lattice=model.real_lattice, orbitals=orbs,
                        hoppings=hop, periodic=model.periodic, atoms=model.atoms)


def test_block_spin_order_from_centres(tmp_path, model):
    blk = _block_model(model)
    write_tb(blk, str(tmp_path / "b_tb.dat"))
    spec = [("P", (0, 0, 0), "p"), ("S1", (0.5, 0, 0.1), "s"), ("S2", (0, 0.5, 0.1), "s")]
    tb = load_wannier90(str(tmp_path / "b"), orbitals=spec)
    assert [o.spin for o in tb.orbitals] == ["up"] * 5 + ["down"] * 5
    assert [(o.orbital, o.spin) for o in tb.orbitals] == [(o.orbital, o.spin) for o in blk.orbitals]
    np.testing.assert_allclose(tb.operators()["S"], blk.operators()["S"])
    np.testing.assert_allclose(eig(tb), eig(model), atol=1e-12)
    with pytest.raises(ValueError):  # Wannier90 cannot express block order
        write_win(blk, str(tmp_path / "b.win"))


def test_explicit_orbital_list_and_spin_order(tmp_path, model):
    write_hr(model, str(tmp_path / "x_hr.dat"))
    tb = load_wannier90(str(tmp_path / "x"), orbitals=model.orbitals, lattice=model.real_lattice)
    assert tb.orbitals[3].orbital == "px" and tb.orbitals[3].spin == "down"
    spec = [("P", (0, 0, 0), "p"), ("S1", (0.5, 0, 0.1), "s"), ("S2", (0, 0.5, 0.1), "s")]
    tb2 = load_wannier90(str(tmp_path / "x"), orbitals=spec, spin_order="interlaced",
                         lattice=model.real_lattice)
    np.testing.assert_allclose(eig(tb2), eig(model), atol=1e-12)


def test_wannierberri_reads_the_same_hamiltonian(tmp_path, model):
    from wannierberri.system import System_R
    seed = str(tmp_path / "wb")
    write_hr(model, seed + "_hr.dat")
    ours = read_hr(seed + "_hr.dat")
    system = System_R.from_hr_file(seed, real_lattice=model.real_lattice,
                                   wannier_centers_cart=model.positions,
                                   periodic=(True, True, False))
    ham_wb = system.Ham_R
    for R, h in zip(ours.rvecs, ours.ham):
        np.testing.assert_allclose(ham_wb[system.rvec.iR(tuple(R))], h, atol=1e-14)
    # and with non-trivial degeneracies
    write(tmp_path / "chain_hr.dat", chain_hr_text())
    chain = read_hr(str(tmp_path / "chain_hr.dat"))
    sys2 = System_R.from_hr_file(str(tmp_path / "chain"), real_lattice=np.diag([3.0, 20, 20]),
                                 wannier_centers_cart=np.zeros((2, 3)))
    for R, h in zip(chain.rvecs, chain.ham):
        np.testing.assert_allclose(sys2.Ham_R[sys2.rvec.iR(tuple(R))], h, atol=1e-14)


# ------------------------------------------------------------------------ .win parsing
WIN_MOS2 = """! a comment line
# another
NUM_WANN = 22        ! trailing comment
Spinors : .TRUE.
mp_grid   6 6 1
Begin Unit_Cell_Cart
bohr
  6.0  0.0  0.0
 -3.0  5.196152422706632  0.0
  0.0  0.0  40.0
End Unit_Cell_Cart
begin atoms_cart
ang
Mo   0.0 0.0 10.0
S    1.5875316258 0.9165623 11.5
S    1.5875316258 0.9165623  8.5
end atoms_cart
begin projections
 mo:d
 S : p
end projections
"""


def test_read_win_keywords_units_and_order(tmp_path):
    p = write(tmp_path / "mos2.win", WIN_MOS2)
    win = read_win(p)
    assert win.num_wann == 22 and win.spinors and win.mp_grid == (6, 6, 1)
    bohr = 0.52917720859  # Wannier90's default Bohr radius (CODATA 2006), Angstrom
    np.testing.assert_allclose(win.lattice[0], [6.0 * bohr, 0, 0])
    np.testing.assert_allclose(win.lattice[2], [0, 0, 40 * bohr])
    assert [a[0] for a in win.atoms] == ["Mo", "S", "S"]
    orbs = orbitals_from_win(win)
    # by projection line, by atom, orbitals in Wannier90 order, spin interlaced
    expected = [(0, o, s) for o in ORBITAL_ORDER["d"] for s in ("up", "down")]
    for site in (1, 2):
        expected += [(site, o, s) for o in ORBITAL_ORDER["p"] for s in ("up", "down")]
    assert [(o.site, o.orbital, o.spin) for o in orbs] == expected
    assert orbs[0].species == "Mo" and orbs[10].species == "S"


def test_projection_forms(tmp_path):
    text = """num_wann 9
begin unit_cell_cart
 4 0 0
 0 4 0
 0 0 4
end unit_cell_cart
begin atoms_frac
 X 0 0 0
 Y 0.5 0.5 0.5
end atoms_frac
begin projections
 X: dxy;dz2
 Y: l=1
 f=0.5,0.5,0.5: l=2,mr=4,2
 X: py,s
end projections
"""
    win = read_win(write(tmp_path / "forms.win", text))
    orbs = orbitals_from_win(win)
    # Wannier90 loops over l then m_r whatever the written order: dz2 (m_r=1) before dxy (5)
    assert [(o.site, o.orbital) for o in orbs] == [
        (0, "dz2"), (0, "dxy"), (1, "pz"), (1, "px"), (1, "py"), (1, "dxz"), (1, "dx2-y2"),
        (0, "s"), (0, "py")]
    assert all(o.spin == "none" for o in orbs)


def test_spinor_projection_two_atoms_same_species(tmp_path):
    text = """num_wann = 8
spinors = t
begin unit_cell_cart
 5 0 0
 0 5 0
 0 0 5
end unit_cell_cart
begin atoms_cart
 Ga 0 0 0
 Ga 2.5 2.5 2.5
end atoms_cart
begin projections
 Ga: s;pz
end projections
"""
    orbs = orbitals_from_win(read_win(write(tmp_path / "ga.win", text)))
    assert [(o.site, o.orbital, o.spin) for o in orbs] == [
        (0, "s", "up"), (0, "s", "down"), (0, "pz", "up"), (0, "pz", "down"),
        (1, "s", "up"), (1, "s", "down"), (1, "pz", "up"), (1, "pz", "down")]


def test_orbitals_from_spec():
    orbs, atoms = orbitals_from_spec([("Mo", (0, 0, 0), "d"), ("S", (1, 1, 1), "p")],
                                     spinors=True, spin_order="block")
    assert len(orbs) == 16 and len(atoms) == 2
    assert [o.spin for o in orbs] == ["up"] * 8 + ["down"] * 8
    assert [o.orbital for o in orbs[:8]] == list(ORBITAL_ORDER["d"] + ORBITAL_ORDER["p"])


# ------------------------------------------------------------------------ centres
def test_centres_xyz_and_wt(tmp_path, model):
    p = str(tmp_path / "ds_centres.xyz")
    write_centres_xyz(model, p)
    centres, atoms = read_centres_xyz(p)
    np.testing.assert_allclose(centres, model.positions, atol=1e-8)
    assert [a[0] for a in atoms] == [a[0] for a in model.atoms]
    # WannierBerri's layout: WFs 1, 3, 5, ... then 2, 4, 6, ...
    c = np.arange(12.0).reshape(4, 3)
    lines = [c[0], c[2], c[1], c[3]]
    wt = write(tmp_path / "x_wannier_centre_WT_format.dat",
               "\n".join(" ".join(str(x) for x in r) for r in lines) + "\n")
    np.testing.assert_array_equal(read_wt_centres(wt), c)
    np.testing.assert_array_equal(read_wt_centres(wt, layout="plain"), np.array(lines))


def test_spin_order_from_centres():
    a, b = np.array([0.0, 0, 0]), np.array([1.0, 0, 0])
    assert spin_order_from_centres([a, a, b, b]) == "interlaced"
    assert spin_order_from_centres([a, b, a, b]) == "block"
    with pytest.raises(InputFileError, match="both"):
        spin_order_from_centres([a, a, a, a])
    with pytest.raises(InputFileError, match="neither"):
        spin_order_from_centres([a, b, b, a + 2])


def test_centre_far_from_labelled_atom_is_an_error(tmp_path, model):
    grid = write_hr(model, str(tmp_path / "ds_hr.dat"))
    write_win(model, str(tmp_path / "ds.win"), mp_grid=grid)
    # centres in the wrong order: the s WFs of the two bond sites swapped (0.707 Angstrom apart),
    # and with a tight tolerance that is caught
    c = model.positions.copy()
    c[[6, 7, 8, 9]] = c[[8, 9, 6, 7]]
    tight = dict(centre_tol=0.3)
    with pytest.raises(InputFileError) as e:
        load_wannier90(str(tmp_path / "ds"), centres=c, **tight)
    assert "Wannier centre 7" in str(e.value) and model.orbitals[6].label in str(e.value)
    # centres shifted to their periodic images are fine; positions='centres' unwraps them
    c = model.positions + np.array([1.0, -1.0, 10.0])
    tb = load_wannier90(str(tmp_path / "ds"), centres=c, positions="centres")
    np.testing.assert_allclose(tb.positions, model.positions, atol=1e-12)
    # a small displacement warns above 0.5 Angstrom
    c = model.positions.copy()
    c[0] += [0.0, 0.0, 0.6]
    with pytest.warns(UserWarning, match="far from their atoms"):
        load_wannier90(str(tmp_path / "ds"), centres=c)


def test_detect_periodic():
    lat2d = np.diag([3.0, 3.0, 25.0])
    R2 = np.array([[0, 0, 0], [1, 0, 0], [-1, 0, 0]])
    assert detect_periodic(lat2d, R2, [("Mo", (0, 0, 12.0)), ("S", (0, 0, 13.5))]) == \
        (True, True, False)
    # atoms wrapped across the boundary still leave a 22 Angstrom gap
    assert detect_periodic(lat2d, R2, [("Mo", (0, 0, 0.5)), ("S", (0, 0, 24.0))]) == \
        (True, True, False)
    assert detect_periodic(lat2d, np.vstack([R2, [[0, 0, 1]]]), []) == (True, True, True)
    assert detect_periodic(np.diag([3.0, 3.0, 4.0]), R2, [("A", (0, 0, 0))]) == (True,) * 3


# ------------------------------------------------------------------------ bad input
def assert_one_line(excinfo, path, line, *words):
    msg = str(excinfo.value)
    assert "\n" not in msg
    where = f"{path}, line {line}:" if line is not None else f"{path}:"
    assert msg.startswith(where), msg
    for w in words:
        assert w in msg, msg
    return msg


def hr_lines():
    return chain_hr_text().splitlines()


def test_bad_truncated_hr(tmp_path):
    lines = hr_lines()[:-3]
    p = write(tmp_path / "t_hr.dat", "\n".join(lines) + "\n")
    with pytest.raises(InputFileError) as e:
        read_hr(p)
    # 4 header lines + 12 data lines; 3 removed: the file ends after line 13
    assert_one_line(e, p, 14, "file ends", "nrpts = 3")


def test_bad_fewer_blocks_than_nrpts(tmp_path):
    p = write(tmp_path / "n_hr.dat", chain_hr_text(nrpts=4).replace(
        "    2    1    2", "    2    1    2    1"))
    with pytest.raises(InputFileError) as e:
        read_hr(p)
    assert_one_line(e, p, 17, "3 complete R blocks", "nrpts = 4")


def test_bad_wrong_num_wann(tmp_path):
    lines = hr_lines()
    lines[1] = "           3"
    p = write(tmp_path / "w_hr.dat", "\n".join(lines) + "\n")
    with pytest.raises(InputFileError) as e:
        read_hr(p)
    # with num_wann = 3 the third data line (line 7) should be m = 3, n = 1
    assert_one_line(e, p, 7, "expected m = 3, n = 1", "num_wann = 3")


def test_bad_non_numeric_field(tmp_path):
    lines = hr_lines()
    lines[9] = lines[9][:-12] + "    0.0x0000"
    p = write(tmp_path / "x_hr.dat", "\n".join(lines) + "\n")
    with pytest.raises(InputFileError) as e:
        read_hr(p)
    assert_one_line(e, p, 10, "0.0x0000", "field 7")


def test_bad_non_hermitian(tmp_path):
    blocks = dict(CHAIN_H)
    blocks[(1, 0, 0)] = CHAIN_H[(1, 0, 0)] + np.array([[0.0, 0.0], [0.1, 0.0]])
    p = write(tmp_path / "h_hr.dat", chain_hr_text(blocks=blocks))
    with pytest.raises(InputFileError) as e:
        read_hr(p)
    # the worst R is either partner; its block starts on line 5 (R=-1) or 13 (R=+1)
    msg = str(e.value)
    assert "not Hermitian" in msg and "\n" not in msg
    assert ("line 13:" in msg and "R = (1, 0, 0)" in msg) or \
           ("line 5:" in msg and "R = (-1, 0, 0)" in msg)
    assert msg.startswith(p)


def test_bad_missing_r0(tmp_path):
    order = [(-1, 0, 0), (1, 0, 0)]
    p = write(tmp_path / "z_hr.dat", chain_hr_text(order=order).replace(
        "    2    1    2", "    1    1"))
    with pytest.raises(InputFileError) as e:
        read_hr(p)
    # 4 header lines; the first R block starts on line 5
    assert_one_line(e, p, 5, "R = (0, 0, 0)")


def test_bad_degeneracy_sum(tmp_path):
    p = write(tmp_path / "d_hr.dat", chain_hr_text(deg={(-1, 0, 0): 2, (0, 0, 0): 1,
                                                        (1, 0, 0): 3}))
    with pytest.raises(InputFileError) as e:
        read_hr(p)   # 1/2 + 1 + 1/3 is not an integer
    assert_one_line(e, p, 4, "not an integer")
    q = write(tmp_path / "g_hr.dat", chain_hr_text())
    with pytest.raises(InputFileError) as e:
        read_hr(q, mp_grid=(3, 1, 1))   # sum is 2, grid has 3 points
    assert_one_line(e, q, 4, "mp_grid", "3 k points")


def test_bad_mp_grid_from_win_checked_by_loader(tmp_path):
    write(tmp_path / "c_hr.dat", chain_hr_text())
    win = write(tmp_path / "c.win", "num_wann 2\nmp_grid 4 1 1\nbegin unit_cell_cart\n3 0 0\n"
                                    "0 20 0\n0 0 20\nend unit_cell_cart\n")
    with pytest.raises(InputFileError) as e:
        load_wannier90(str(tmp_path / "c"))
    assert_one_line(e, str(tmp_path / "c_hr.dat"), 4, "4 k points", win)


def test_bad_projections_do_not_match_num_wann(tmp_path):
    p = write(tmp_path / "m.win", WIN_MOS2.replace("NUM_WANN = 22", "num_wann = 20"))
    with pytest.raises(InputFileError) as e:
        orbitals_from_win(read_win(p))
    # the projections block begins on line 18
    assert_one_line(e, p, 18, "22 Wannier functions", "num_wann = 20")


def test_bad_unknown_orbital_name(tmp_path):
    p = write(tmp_path / "u.win", WIN_MOS2.replace(" S : p", " S : p;dxx"))
    with pytest.raises(InputFileError) as e:
        read_win(p)
    assert_one_line(e, p, 20, "unknown orbital name 'dxx'")
    q = write(tmp_path / "h.win", WIN_MOS2.replace(" S : p", " S : f"))
    with pytest.raises(InputFileError) as e:
        read_win(q)
    assert_one_line(e, q, 20, "'f'", "cannot be labelled")


def test_bad_random_projections(tmp_path):
    p = write(tmp_path / "r.win", WIN_MOS2.replace(" mo:d\n S : p\n", " random\n"))
    with pytest.raises(InputFileError) as e:
        read_win(p)
    assert_one_line(e, p, 19, "random")


def test_bad_unknown_site_label(tmp_path):
    p = write(tmp_path / "s.win", WIN_MOS2.replace(" S : p", " Se : p"))
    with pytest.raises(InputFileError) as e:
        orbitals_from_win(read_win(p))
    assert_one_line(e, p, 20, "'Se'", "not an atom label")


def test_bad_win_structure(tmp_path):
    p = write(tmp_path / "b.win", WIN_MOS2.replace("end projections\n", ""))
    with pytest.raises(InputFileError) as e:
        read_win(p)
    assert_one_line(e, p, 18, "never closed")
    q = write(tmp_path / "k.win", WIN_MOS2.replace("mp_grid   6 6 1", "mp_grid   6 six 1"))
    with pytest.raises(InputFileError) as e:
        read_win(q)
    assert_one_line(e, q, 5, "mp_grid", "'six'")


def test_spin_order_from_time_reversal(tmp_path, model):
    """A nonmagnetic spinor H(R) decides its own order without centres or .win: only the
    right order makes it time-reversal symmetric (T = i sigma_y K on real orbitals)."""
    write_hr(model, str(tmp_path / "s_hr.dat"))
    spec = [("P", (0, 0, 0), "p"), ("S1", (0.5, 0, 0.1), "s"), ("S2", (0, 0.5, 0.1), "s")]
    tb = load_wannier90(str(tmp_path / "s"), orbitals=spec, lattice=model.real_lattice)
    assert tb.parameters["spin_order"] == "interlaced"
    assert "time-reversal" in tb.parameters["spin_order_reason"]
    for R, h in model.hoppings.items():
        assert np.abs(tb.hoppings[R] - h).max() < 1e-12


def test_bad_spin_order_undetermined(tmp_path, model):
    # a Hermitian H(R) with no spin structure at all: neither order is distinguished
    rng = np.random.default_rng(3)
    nw = len(model.orbitals)
    raw = {R: rng.normal(size=(nw, nw)) + 1j * rng.normal(size=(nw, nw)) for R in model.hoppings}
    herm = {R: raw[R] + raw[tuple(-np.array(R))].conj().T for R in raw}
    noise = TightBinding(name="noise", real_lattice=model.real_lattice, orbitals=model.orbitals,
                         hoppings=herm, periodic=model.periodic)
    write_hr(noise, str(tmp_path / "s_hr.dat"))
    spec = [("P", (0, 0, 0), "p"), ("S1", (0.5, 0, 0.1), "s"), ("S2", (0, 0.5, 0.1), "s")]
    with pytest.raises(InputFileError) as e:
        load_wannier90(str(tmp_path / "s"), orbitals=spec, lattice=model.real_lattice)
    assert_one_line(e, str(tmp_path / "s_hr.dat"), None, "spinor order cannot be told", "--spin-order")
    # centres that fit neither ordering do not decide either
    c = np.arange(30.0).reshape(10, 3) * 0.01
    with pytest.raises(InputFileError, match="spinor order cannot be told"):
        load_wannier90(str(tmp_path / "s"), orbitals=spec, lattice=model.real_lattice, centres=c)
    # ... but the user can
    tb = load_wannier90(str(tmp_path / "s"), orbitals=spec, lattice=model.real_lattice,
                        spin_order="interlaced")
    assert tb.parameters["spin_order"] == "interlaced"


def test_bad_tb_truncated_position_block(tmp_path, model):
    p = str(tmp_path / "q_tb.dat")
    write_tb(model, p)
    lines = open(p).read().splitlines()
    write(tmp_path / "q_tb.dat", "\n".join(lines[:-5]) + "\n")
    with pytest.raises(InputFileError) as e:
        read_tb(p)
    assert_one_line(e, p, len(lines) - 4, "position blocks")


def test_missing_files(tmp_path):
    with pytest.raises(InputFileError) as e:
        load_wannier90(str(tmp_path / "nothing"))
    assert "not found" in str(e.value)
    with pytest.raises(InputFileError, match="file not found"):
        read_hr(str(tmp_path / "none_hr.dat"))


# ------------------------------------------------------------------------ MoSSe data
MOSSE = os.path.join(os.path.dirname(__file__), os.pardir, "data", "mosse", "MoSSe")


@pytest.mark.skipif(not (os.path.exists(MOSSE + "_hr.dat") and os.path.exists(MOSSE + ".win")),
                    reason="MoSSe Wannier90 data not present")
def test_load_mosse():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tb = load_wannier90(MOSSE)
    assert tb.num_wann == 22 and tb.spinful
    assert tb.periodic == (True, True, False)
    labels = [(o.species.capitalize(), o.shell) for o in tb.orbitals]
    assert labels.count(("Mo", "d")) == 10
    assert labels.count(("S", "p")) == 6 and labels.count(("Se", "p")) == 6
    assert [o.spin for o in tb.orbitals[:2]] == ["up", "down"]
    assert tb.orbitals[0].orbital == "dz2"


# ------------------------------------------- a Wannier90-like file on a hexagonal grid
def wigner_seitz(lattice, mp_grid):
    """Wannier90's R set and degeneracies (User Guide: points of the Wigner-Seitz cell of
    the Born-von Karman supercell; a point on the boundary shared by d supercell images
    has degeneracy d), by direct enumeration; third direction with mp = 1 only."""
    metric = lattice @ lattice.T
    N1, N2, _ = mp_grid
    T = np.array([(i * N1, j * N2, 0) for i in range(-3, 4) for j in range(-3, 4)])
    out = []
    for n1 in range(-2 * N1, 2 * N1 + 1):
        for n2 in range(-2 * N2, 2 * N2 + 1):
            d = np.array([n1, n2, 0]) - T
            dist = np.einsum("ti,ij,tj->t", d, metric, d)
            own = np.einsum("i,ij,j", [n1, n2, 0], metric, [n1, n2, 0])
            if own - dist.min() < 1e-8:
                out.append(((n1, n2, 0), int(np.sum(np.abs(dist - dist.min()) < 1e-8))))
    return out


def test_hexagonal_wigner_seitz_file_with_mosse_win(tmp_path):
    a, c = 3.251, 23.25
    lat = np.array([[a, 0, 0], [-a / 2, a * np.sqrt(3) / 2, 0], [0, 0, c]])
    ws = wigner_seitz(lat, (3, 3, 1))
    assert sum(1 / d for _, d in ws) == pytest.approx(9)      # the sum rule itself
    assert any(d > 1 for _, d in ws)                           # boundary points exist
    nw = 22
    rng = np.random.default_rng(7)
    H = {}
    for R, _ in ws:
        if R in H:
            continue
        mR = tuple(-x for x in R)
        h = 0.1 * (rng.normal(size=(nw, nw)) + 1j * rng.normal(size=(nw, nw)))
        if R == mR:
            h = h + h.conj().T
        H[R], H[mR] = h, h.conj().T
    deg = dict(ws)
    order = [R for R, _ in ws]
    text = chain_hr_text(order=order, deg=deg, blocks=H, nw=nw)
    text = text.replace("".join(f"{deg[R]:5d}" for R in order) + "\n",
                        "\n".join("".join(f"{deg[R]:5d}" for R in order[i:i + 15])
                                  for i in range(0, len(order), 15)) + "\n")
    write(tmp_path / "MoSSe_hr.dat", text)
    frac = {"Mo": (0, 0, 0.5), "S": (1 / 3, 2 / 3, 0.4338), "Se": (1 / 3, 2 / 3, 0.5727)}
    write(tmp_path / "MoSSe.win", "num_wann = 22\nspinors = .true.\nmp_grid = 3 3 1\n"
          "begin unit_cell_cart\nang\n" + "\n".join(" ".join(str(x) for x in r) for r in lat)
          + "\nend unit_cell_cart\nbegin atoms_frac\n"
          + "\n".join(f"{k} {x} {y} {z}" for k, (x, y, z) in frac.items())
          + "\nend atoms_frac\nbegin projections\nMo:d\nS:p\nSe:p\nend projections\n")
    # centres as Wannier90 writes them: translated to the home cell, slightly off the atoms
    pos = {k: np.array(v) @ lat for k, v in frac.items()}
    centres = [pos["Mo"]] * 10 + [pos["S"]] * 6 + [pos["Se"]] * 6
    # (Kramers partners share their centre; the random H(R) has no spin structure, so the
    # centres are what tells the spinor order here)
    noise = np.repeat(rng.normal(scale=0.02, size=(11, 3)), 2, axis=0)
    centres = np.array(centres) + noise + lat[0] + lat[1]
    frac_c = np.mod(centres @ np.linalg.inv(lat), 1.0)
    with open(tmp_path / "MoSSe_centres.xyz", "w") as fh:
        fh.write(f"{25:6d}\n Wannier centres\n")
        for r in frac_c @ lat:
            fh.write("X  " + "  ".join(f"{x:14.8f}" for x in r) + "\n")
        for k, p in pos.items():
            fh.write(f"{k:2s}  " + "  ".join(f"{x:14.8f}" for x in p) + "\n")
    tb = load_wannier90(str(tmp_path / "MoSSe"))
    assert tb.periodic == (True, True, False)
    assert [o.species for o in tb.orbitals] == ["Mo"] * 10 + ["S"] * 6 + ["Se"] * 6
    assert [o.shell for o in tb.orbitals] == ["d"] * 10 + ["p"] * 12
    nk = len(KPTS)
    Hk = np.zeros((nk, nw, nw), complex)
    for R, h in H.items():
        # each R of the WS set contributes H(R) (the file holds H(R) * ndegen(R))
        Hk += np.exp(2j * np.pi * KPTS @ np.array(R))[:, None, None] * h
    np.testing.assert_allclose(eig(tb), np.linalg.eigvalsh(Hk), atol=2e-5)
    # wrong order caught by the centres: pretend S and Se lines were swapped in the .win
    win = (tmp_path / "MoSSe.win").read_text().replace("S:p\nSe:p", "Se:p\nS:p")
    write(tmp_path / "MoSSe.win", win)
    with pytest.raises(InputFileError) as e:
        load_wannier90(str(tmp_path / "MoSSe"))
    assert_one_line(e, str(tmp_path / "MoSSe_centres.xyz"), None, "Wannier centre 11", "Se")


def test_wannierberri_reads_the_same_tb_file(tmp_path, model):
    from wannierberri.system import System_R
    p = str(tmp_path / "wb_tb.dat")
    write_tb(model, p)
    ours = read_tb(p)
    system = System_R.from_tb_file(tb_file=p, periodic=(True, True, False))
    np.testing.assert_allclose(system.real_lattice, ours.lattice)
    np.testing.assert_allclose(system.wannier_centers_cart, ours.centres, atol=1e-14)
    for R, h in zip(ours.rvecs, ours.ham):
        np.testing.assert_allclose(system.Ham_R[system.rvec.iR(tuple(R))], h, atol=1e-14)


def test_projection_options_and_selection(tmp_path):
    bohr = 0.52917720859
    base = """num_wann = {nw}
spinors = true
{extra}
begin unit_cell_cart
 4 0 0
 0 4 0
 0 0 4
end unit_cell_cart
begin atoms_cart
bohr
 X 0 0 0
 Y 1.0 1.0 1.0
end atoms_cart
begin projections
bohr
{proj}
end projections
"""
    # c= in bohr finds atom Y; (u) keeps only spin up; default axes are accepted
    win = read_win(write(tmp_path / "a.win", base.format(
        nw=7, extra="", proj=" c=1.0,1.0,1.0: s(u)\n X: p:z=0,0,2:x=1,0,0")))
    orbs = orbitals_from_win(win)
    assert [(o.site, o.orbital, o.spin) for o in orbs] == [
        (1, "s", "up"), (0, "pz", "up"), (0, "pz", "down"), (0, "px", "up"), (0, "px", "down"),
        (0, "py", "up"), (0, "py", "down")]
    np.testing.assert_allclose(orbs[0].position, [bohr] * 3)
    # select_projections keeps projections 2-3 and 5 (1-based)
    win = read_win(write(tmp_path / "b.win", base.format(
        nw=3, extra="select_projections : 2-3, 5", proj=" X: p")))
    assert [(o.orbital, o.spin) for o in orbitals_from_win(win)] == [
        ("pz", "down"), ("px", "up"), ("py", "up")]
    # rotated local axes: z' = x, x' = y (so y' = z' x x' = z), W90 UG Sec. 3.4: the local
    # (pz', px', py') are the global (px, py, pz)
    win = read_win(write(tmp_path / "c.win", base.format(nw=6, extra="",
                                                         proj=" X: p:z=1,0,0:x=0,1,0")))
    assert [(o.orbital, o.spin) for o in orbitals_from_win(win)] == [
        ("px", "up"), ("px", "down"), ("py", "up"), ("py", "down"), ("pz", "up"), ("pz", "down")]
    # a spin quantisation axis other than z is still refused
    p = write(tmp_path / "d.win", base.format(nw=6, extra="", proj=" X: p[1,0,0]"))
    with pytest.raises(InputFileError) as e:
        read_win(p)
    assert_one_line(e, p, 16, "spin quantisation axis")
    # a projection centre that is not on an atom
    p = write(tmp_path / "e.win", base.format(nw=2, extra="", proj=" f=0.3,0.3,0.3: s"))
    with pytest.raises(InputFileError) as e:
        orbitals_from_win(read_win(p))
    assert_one_line(e, p, 16, "not on an atom")


def test_seedname_with_suffix(tmp_path, model):
    grid = write_hr(model, str(tmp_path / "s_hr.dat"))
    write_win(model, str(tmp_path / "s.win"), mp_grid=grid)
    for name in ("s", "s_hr.dat", "s.win"):
        assert load_wannier90(str(tmp_path / name)).num_wann == 10


def test_mutated_files_give_only_input_file_errors(tmp_path, model):
    """Random line deletions, duplications, truncations and bad tokens never escape as
    anything but a one-line InputFileError (or read successfully)."""
    import random
    write_tb(model, str(tmp_path / "m_tb.dat"))
    texts = {"hr": chain_hr_text(), "tb": (tmp_path / "m_tb.dat").read_text(), "win": WIN_MOS2}
    readers = {"hr": read_hr, "tb": read_tb, "win": lambda p: orbitals_from_win(read_win(p))}
    rng = random.Random(2026)
    for trial in range(400):
        kind = rng.choice(sorted(texts))
        lines = texts[kind].splitlines()
        i = rng.randrange(len(lines))
        op = rng.randrange(5)
        if op == 0:
            del lines[i]
        elif op == 1:
            toks = lines[i].split()
            if toks:
                toks[rng.randrange(len(toks))] = rng.choice(["x", "1.5", "-1", "0", "nan",
                                                             "1e400", "2", "***"])
                lines[i] = " ".join(toks)
        elif op == 2:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op == 3:
            lines = lines[:i]
        else:
            text = "\n".join(lines)
            lines = text[:rng.randrange(len(text))].splitlines()
        p = write(tmp_path / f"f_{kind}.dat", "\n".join(lines) + "\n")
        try:
            readers[kind](p)
        except InputFileError as e:
            assert "\n" not in str(e) and str(e).startswith(p)
