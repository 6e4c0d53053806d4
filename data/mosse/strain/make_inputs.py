#!/usr/bin/env python3
"""Write the inputs of one homogeneously strained MoSSe cell from the unstrained ones.

Usage (inside data/mosse/strain):  python3 make_inputs.py COMPONENT AMPLITUDE
  COMPONENT: xx, yy or xy (symmetric in-plane strain tensor, Voigt-free: eps_xy = eps_yx = AMPLITUDE)
  AMPLITUDE: e.g. 0.005 (0.5 %)
Writes the folder  <COMPONENT>_<+/-AMPLITUDE>/  holding scf.in, nscf.in, bands_hsp.in, pw2wan.in
and MoSSe.win.  Standard library only.

What changes and what does not (clamped-ion strain):
  * lattice vectors a_i' = (1 + eps) a_i (a_i as rows, eps the 3x3 symmetric in-plane tensor,
    a3 and the vacuum untouched), written as ibrav = 0 + CELL_PARAMETERS angstrom and as the
    .win unit_cell_cart;
  * atomic positions: the same crystal (fractional) coordinates, i.e. the atoms follow the
    homogeneous deformation and internal coordinates are not relaxed;
  * k points: the same crystal coordinates (the uniform nscf grid, the six bands_hsp points),
    so that DFT eigenvalue differences are taken at the same reduced k;
  * everything else (cutoffs, smearing, SOC, projections, windows, num_iter = 0, i.e. the
    projection-determined gauge after disentanglement) is copied unchanged, so the Wannier
    gauge is the one of the unstrained run, continuously deformed.
Environment: MAX_SECONDS (default 20000) is written as pw.x max_seconds for a clean stop.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = os.path.dirname(HERE)
BOHR_ANGSTROM = 0.529177210903  # CODATA 2018, as scipy.constants (bohr radius in angstrom)

A_UNSTRAINED = [
    (3.2510000000, 0.0000000000, 0.0000000000),
    (-1.6255000000, 2.8154485877, 0.0000000000),
    (0.0000000000, 0.0000000000, 23.2500000000),
]


def strain_tensor(comp, amp):
    e = [[0.0] * 3 for _ in range(3)]
    i, j = {"xx": (0, 0), "yy": (1, 1), "xy": (0, 1)}[comp]
    e[i][j] = amp
    e[j][i] = amp
    return e


def strained_cell(comp, amp):
    e = strain_tensor(comp, amp)
    return [tuple(a[c] + sum(e[c][d] * a[d] for d in range(3)) for c in range(3)) for a in A_UNSTRAINED]


def cell_block(cell):
    return "".join("  %15.10f %15.10f %15.10f\n" % a for a in cell)


def pw_input(name, cell, outdir_rel, max_seconds):
    text = open(os.path.join(BASE, name)).read()
    text = re.sub(r"\s*celldm\(1\)\s*=.*\n", "\n", text)
    text = re.sub(r"\s*celldm\(3\)\s*=.*\n", "\n", text)
    text = re.sub(r"ibrav\s*=\s*4", "ibrav = 0", text)
    text = text.replace("pseudo_dir = './pseudo'", "pseudo_dir = '../../pseudo'")
    text = text.replace("verbosity = 'high'", "verbosity = 'high'\n  max_seconds = %d" % max_seconds)
    assert "ibrav = 0" in text and "celldm" not in text, name
    text = text.replace("ATOMIC_POSITIONS", "CELL_PARAMETERS angstrom\n" + cell_block(cell) + "ATOMIC_POSITIONS")
    return text


def win_input(cell):
    text = open(os.path.join(BASE, "MoSSe.win")).read()
    start = text.index("begin unit_cell_cart")
    stop = text.index("end unit_cell_cart")
    return text[:start] + "begin unit_cell_cart\nang\n" + cell_block(cell) + text[stop:]


def main(argv):
    if len(argv) != 3 or argv[1] not in ("xx", "yy", "xy"):
        sys.exit("usage: make_inputs.py xx|yy|xy AMPLITUDE")
    comp, amp = argv[1], float(argv[2])
    label = "%s_%+.3f" % (comp, amp)
    folder = os.path.join(HERE, label)
    os.makedirs(folder, exist_ok=True)
    cell = strained_cell(comp, amp)
    maxsec = int(os.environ.get("MAX_SECONDS", "20000"))
    for name in ("scf.in", "nscf.in", "bands_hsp.in"):
        open(os.path.join(folder, name), "w").write(pw_input(name, cell, "./tmp", maxsec))
    open(os.path.join(folder, "pw2wan.in"), "w").write(open(os.path.join(BASE, "pw2wan.in")).read())
    open(os.path.join(folder, "MoSSe.win"), "w").write(win_input(cell))
    with open(os.path.join(folder, "strain.txt"), "w") as fh:
        fh.write("# homogeneous in-plane strain of the unstrained MoSSe cell (clamped ions)\n")
        fh.write("component %s\namplitude %.6f\n" % (comp, amp))
        fh.write("# strained lattice vectors (angstrom, rows)\n" + cell_block(cell))
    print(label)


if __name__ == "__main__":
    main(sys.argv)
