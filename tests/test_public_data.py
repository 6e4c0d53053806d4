"""Wannier90 files made from other groups' inputs (tests/data/public/README.md)."""
import gzip
import os
import shutil
import warnings

import numpy as np
import pytest

from w90resp.io import load_wannier90
from w90resp.symmetry.hamiltonian import symmetrize_hamiltonian

PUBLIC = os.path.join(os.path.dirname(__file__), "data", "public")


def _unpack(name, tmp_path):
    src = os.path.join(PUBLIC, name)
    dst = tmp_path / name
    dst.mkdir()
    shutil.copy(os.path.join(src, "BN.win"), dst)
    with gzip.open(os.path.join(src, "BN_tb.dat.gz"), "rb") as a, open(dst / "BN_tb.dat", "wb") as b:
        shutil.copyfileobj(a, b)
    return str(dst / "BN")


def _rotation():
    """Local frame z' = (1,1,1), x' = (1,-1,0) of the rotated run (W90 UG Sec. 3.4), in
    Wannier90's p order (pz, px, py): R[i, j] = global axis i . local axis j."""
    z = np.array([1, 1, 1.0]) / np.sqrt(3)
    x = np.array([1, -1, 0.0]) / np.sqrt(2)
    loc = [z, x, np.cross(z, x)]
    glob = np.eye(3)[[2, 0, 1]]
    return np.array([[g @ v for v in loc] for g in glob])


def test_rotated_local_axes_bn(tmp_path):
    """BN (QE/EPW inputs of another group), N:p in the global frame and in a rotated local
    frame: read with the frame, both give one H(R) in pure p orbitals (to the files'
    precision), the same L band expectation values, and a symmetrizer removal at the
    level of the file's own asymmetry."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pure = load_wannier90(_unpack("BN_pure", tmp_path))
        rot = load_wannier90(_unpack("BN_rotated", tmp_path))
    assert "rotated to pure" in rot.parameters["basis"]
    assert [o.orbital for o in rot.orbitals] == [o.orbital for o in pure.orbitals] == ["pz", "px", "py"]
    scale = max(np.abs(h).max() for h in pure.hoppings.values())
    diff = max(np.abs(rot.hoppings[R] - h).max() for R, h in pure.hoppings.items())
    assert diff < 1e-6 * scale
    # the rotated file itself is a different matrix: H_rot = R^T H R with the frame above
    from w90resp.io import read_tb
    raw = read_tb(str(tmp_path / "BN_rotated" / "BN_tb.dat"))
    Rm = _rotation()
    d_rot, d_same = 0.0, 0.0
    for R, h in zip(raw.rvecs, raw.ham):
        ref = pure.hoppings[tuple(int(x) for x in R)]
        d_rot = max(d_rot, np.abs(h - Rm.T @ ref @ Rm).max())
        d_same = max(d_same, np.abs(h - ref).max())
    assert d_rot < 1e-6 * scale
    assert d_same > 1e-2 * scale
    # band expectation values of L
    k = np.random.default_rng(2).random((5, 3))
    Ep, Up = np.linalg.eigh(pure.hamiltonian(k))
    Er, Ur = np.linalg.eigh(rot.hamiltonian(k))
    assert np.abs(Ep - Er).max() < 1e-6 * scale
    Lp = np.einsum("kin,cij,kjn->knc", Up.conj(), pure.operators()["L"], Up)
    Lr = np.einsum("kin,cij,kjn->knc", Ur.conj(), rot.operators()["L"], Ur)
    assert np.abs(Lp - Lr).max() < 1e-5
    # the symmetrizer (T_d + time reversal) removes only the file's noise
    _, rep = symmetrize_hamiltonian(rot)
    assert rep["operations"] == 24
    assert rep["removed_max"] <= 1e-3 * rep["max_H"]


def test_rotated_frame_read_as_global_is_caught(tmp_path):
    """The rotated file with a .win that (wrongly) says N:p: the symmetrizer then has to
    remove a large part -- what the CLI refuses (--symmetrize-tolerance)."""
    seed = _unpack("BN_rotated", tmp_path)
    win = open(seed + ".win").read().replace("N:p:z=1,1,1:x=1,-1,0", "N:p")
    open(seed + ".win", "w").write(win)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wrong = load_wannier90(seed)
    _, rep = symmetrize_hamiltonian(wrong)
    assert rep["removed_max"] > max(0.02, 0.01 * rep["max_H"])


def _mos2(tmp_path, win_name):
    d = tmp_path / win_name.replace(".win", "")
    d.mkdir()
    shutil.copy(os.path.join(PUBLIC, "MoS2", win_name), d / "MoS2.win")
    for name in ("MoS2_tb.dat", "MoS2_wsvec.dat"):
        with gzip.open(os.path.join(PUBLIC, "MoS2", name + ".gz"), "rb") as a, \
                open(d / name, "wb") as b:
            shutil.copyfileobj(a, b)
    return str(d / "MoS2")


def test_centres_in_a_neighbouring_cell_mos2(tmp_path):
    """MoS2 (WannierDatasets inputs, MLWFs): with one S listed at its periodic image
    S + a1, its three Wannier functions sit in the neighbouring cell of the listed atom.
    The reader keeps that lattice vector: same bands, same symmetrizer removal, same
    FCIM as the file read with the atom where its functions are."""
    from w90resp.responses.fcim import fcim_response
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = load_wannier90(_mos2(tmp_path, "MoS2.win"))
        img = load_wannier90(_mos2(tmp_path, "MoS2_image.win"))
    assert ref.parameters["home_cells"].startswith("every")
    assert img.parameters["home_cells"].startswith("3 Wannier functions")
    k = np.random.default_rng(4).random((6, 3)) * [1, 1, 0]
    Er = np.linalg.eigvalsh(ref.hamiltonian(k))
    Ei = np.linalg.eigvalsh(img.hamiltonian(k))
    assert np.abs(Er - Ei).max() < 1e-10
    # the same H(R) with the listed atom positions but no shift (what a minimum-image
    # reader does) has the same bands but breaks the crystal's symmetry: the symmetrizer
    # would remove a large part (so the checks below can fail)
    from w90resp.tb import TightBinding
    unshifted = TightBinding(name="x", real_lattice=img.real_lattice, orbitals=img.orbitals,
                             hoppings=ref.hoppings, periodic=img.periodic, atoms=img.atoms)
    _, ru = symmetrize_hamiltonian(unshifted)
    assert ru["removed_max"] > 0.1
    sr, rr = symmetrize_hamiltonian(ref)
    si, ri = symmetrize_hamiltonian(img)
    assert ri["removed_max"] == pytest.approx(rr["removed_max"], rel=1e-6)
    # a 3x3 grid: Wannier90's finite-difference centres are 0.05 A off the atoms, so its
    # MDRS images break ties unevenly; what is left is below the CLI's tolerance
    assert rr["removed_max"] < max(0.02, 0.01 * rr["max_H"])
    mu = [-1.0, 0.0]
    fr = fcim_response(sr, mu, 0.05, 0.05, nk=9, moments=("L",))
    fi = fcim_response(si, mu, 0.05, 0.05, nk=9, moments=("L",))
    assert np.abs(fr["L"]).max() > 0
    assert np.abs(fr["L"] - fi["L"]).max() <= 1e-8 * np.abs(fr["L"]).max()
    # and the result obeys the Neumann zeros and relations of the crystal's group (D3h)
    from w90resp.symmetry import check_tensor, point_group_from_cell
    lat = sr.real_lattice
    pos = np.array([q for _, q in sr.atoms]) @ np.linalg.inv(lat)
    pg = point_group_from_cell(lat, pos, [0 if a == "Mo" else 1 for a, _ in sr.atoms])
    assert pg.hm.startswith("-6m2")          # D3h (x 1' for time reversal)
    check_tensor("fcim", fi["L"], pg)


def test_mdrs_images_are_applied(tmp_path):
    """Without the _wsvec.dat (use_ws_distance = true) the symmetrizer must remove four
    times more: the MDRS images are part of the Hamiltonian."""
    seed = _mos2(tmp_path, "MoS2.win")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with_ws = load_wannier90(seed)
        os.remove(seed + "_wsvec.dat")
        without = load_wannier90(seed)
    assert with_ws.parameters["mdrs"].startswith("applied")
    assert any("wsvec" in n for n in without.parameters.get("notes", []))
    _, a = symmetrize_hamiltonian(with_ws)
    _, b = symmetrize_hamiltonian(without)
    assert b["removed_max"] > 3 * a["removed_max"]
