"""Point groups of ASE-built structures through spglib (nonmagnetic and magnetic)."""
import numpy as np
import pytest
from ase.build import bulk, mx2
from ase.spacegroup import crystal

from w90resp.errors import UserError
from w90resp.symmetry import allowed_components, point_group_from_cell, point_group_from_structure


def mos2():
    return mx2("MoS2", kind="2H", a=3.18, thickness=3.19, vacuum=10.0)


def mosse():
    atoms = mos2()
    top = int(np.argmax(atoms.positions[:, 2]))
    atoms[top].symbol = "Se"
    return atoms


def test_mos2_monolayer_d3h_paper_axes():
    # FCIM paper Sec. III B: 1H-MoS2 is D3h (P-6m2, No. 187); with a1 ∥ x the mirror
    # normal to x is a symmetry (Fig. 4a axes).
    pg = point_group_from_structure(mos2())
    assert pg.info["space_group_number"] == 187 and pg.info["space_group"] == "P-6m2"
    assert (pg.hm, pg.schoenflies) == ("-6m2", "D3h")
    assert pg.contains(np.diag([-1.0, 1, 1]))
    assert pg.contains(np.eye(3), time_reversal=True)  # nonmagnetic: T is a symmetry


def test_janus_mosse_c3v():
    # Sec. III C: replacing the top S by Se lowers D3h to C3v (P3m1, No. 156).
    pg = point_group_from_structure(mosse())
    assert pg.info["space_group_number"] == 156
    assert (pg.hm, pg.schoenflies) == ("3m", "C3v")
    assert pg.contains(np.diag([-1.0, 1, 1]))


@pytest.mark.parametrize("atoms", [bulk("NaCl", "rocksalt", a=5.64), bulk("W", "bcc", a=3.16)])
def test_cubic_oh(atoms):
    pg = point_group_from_structure(atoms)
    assert (pg.hm, pg.schoenflies, pg.order) == ("m-3m", "Oh", 96)  # 48 x {1, T}


def test_ferromagnetic_bcc_fe():
    # bcc Fe with M ∥ z: magnetic point group 4/mm'm' (standard result for the [001] axis).
    atoms = bulk("Fe", "bcc", a=2.87)
    pg = point_group_from_structure(atoms, magmoms=[2.2])
    assert pg.hm == "4/mm'm'" and pg.schoenflies == "D4h(C4h)"
    # moments along x: same group type, rotated frame
    pgx = point_group_from_structure(atoms, magmoms=[2.2], moment_axis=(1, 0, 0))
    assert pgx.hm == "4/mm'm'" and pgx.contains(np.array([[1.0, 0, 0], [0, 0, -1], [0, 1, 0]]))


def cr2o3():
    """Corundum Cr2O3 (R-3c) in hexagonal axes with the +-+- order along the c-axis chains."""
    atoms = crystal(["Cr", "O"], basis=[(0, 0, 0.3475), (0.3060, 0, 0.25)], spacegroup=167,
                    cellpar=[4.96, 4.96, 13.6, 90, 90, 120])
    frac = atoms.get_scaled_positions()
    chain = {0.1525: 1.0, 0.3475: -1.0, 0.6525: 1.0, 0.8475: -1.0}
    mom = np.zeros(len(atoms))
    for i, s in enumerate(atoms.get_chemical_symbols()):
        if s != "Cr":
            continue
        shift = {(0, 0): 0.0, (2, 1): 1 / 3, (1, 2): 2 / 3}[tuple(np.round(frac[i, :2] * 3).astype(int) % 3)]
        z = (frac[i, 2] - shift) % 1.0
        mom[i] = next(v for k, v in chain.items() if abs(k - z) < 1e-3)
    return atoms, mom


def test_cr2o3_magnetoelectric():
    # Cr2O3 (Dzyaloshinskii 1959; Astrov 1960): magnetic point group -3'm', ME tensor
    # diag(α⊥, α⊥, α∥); the up/down Cr pairs are related by inversion x T (PT symmetric).
    atoms, mom = cr2o3()
    assert np.count_nonzero(mom) == 12 and mom.sum() == 0
    pg = point_group_from_structure(atoms, magmoms=mom)
    assert pg.hm == "-3'm'" and pg.schoenflies == "D3d(D3)"
    assert pg.contains(-np.eye(3), time_reversal=True)
    assert pg.info["magnetic_space_group_bns"] == "167.106"
    mask, rel = allowed_components("spin-me", pg)
    assert np.array_equal(mask, np.eye(3, dtype=bool))
    assert [r.text for r in rel] == ["T_yy = T_xx"]


def test_antiferromagnet_with_translation_t_is_grey():
    # CsCl-type AFM: the two opposite moments are related by a translation (T·t), so the
    # magnetic point group contains T and the T-odd spin ME tensor vanishes.
    lat = np.eye(3) * 3.0
    pg = point_group_from_cell(lat, [[0, 0, 0], [0.5, 0.5, 0.5]], [26, 26], magmoms=[1.0, -1.0])
    assert pg.magnetic_type == 2 and pg.hm == "4/mmm1'"
    assert not allowed_components("spin-me", pg)[0].any()


def test_win_and_espresso_files(tmp_path):
    import ase.io
    atoms = mos2()
    qe = tmp_path / "mos2.pwi"
    ase.io.write(qe, atoms, format="espresso-in", pseudopotentials={"Mo": "Mo.upf", "S": "S.upf"})
    assert point_group_from_structure(qe).schoenflies == "D3h"
    win = tmp_path / "mosse.win"
    a = mosse()
    lines = ["num_wann = 22", "begin unit_cell_cart", "ang"]
    lines += [" ".join(f"{x:.10f}" for x in v) for v in a.cell]
    lines += ["end unit_cell_cart", "", "begin atoms_frac"]
    lines += [f"{s} " + " ".join(f"{x:.10f}" for x in p)
              for s, p in zip(a.get_chemical_symbols(), a.get_scaled_positions())]
    lines += ["end atoms_frac"]
    win.write_text("\n".join(lines) + "\n")
    pg = point_group_from_structure(win)
    assert pg.schoenflies == "C3v" and pg.info["space_group_number"] == 156


def test_bad_inputs(tmp_path):
    with pytest.raises(UserError):
        point_group_from_structure(tmp_path / "missing.in")
    with pytest.raises(UserError):
        point_group_from_structure(mos2(), magmoms=[1.0, 2.0])
