"""Regenerate MoS2/ from the public WannierDatasets MoS2 inputs.

Source: github.com/qiaojunfeng/WannierDatasets (MIT), datasets/MoS2: MoS2.win, .amn, .mmn,
.eig (monolayer MoS2, Mo:d + S:p, 3x3x1 k, spinless).
Usage: python make_mos2.py DIR_WITH_MOS2_FILES   (needs wannier90.x 3.1 on the PATH)

Wannier90 is run as published but with num_iter = 0 (projection-only functions, which
keep the d/p characters the labels claim; the published MLWF minimisation mixes them),
plus write_tb and
translate_home_cell = false.  MoS2_image.win is the same input with the first S atom
written at its periodic image S + a1: its Wannier functions then sit in the neighbouring
cell (-a1) of the atom as listed, the situation a reader must handle by shifting H(R).
MoS2_wsvec.dat holds the MDRS images (use_ws_distance, the Wannier90 3.x default).
"""
import os
import shutil
import subprocess
import sys

from _make_common import without_kpoints

src = os.path.abspath(sys.argv[1])
here = os.path.dirname(os.path.abspath(__file__))
work = os.path.join(here, "_work_mos2")
os.makedirs(work, exist_ok=True)
for ext in ("amn", "mmn", "eig"):
    shutil.copy(os.path.join(src, "MoS2." + ext), work)
win = open(os.path.join(src, "MoS2.win")).read()
win = win.replace("wannier_plot = .true.", "wannier_plot = .false.")
win = win.replace("num_iter = 4000", "num_iter = 0")
win += "write_tb = true\nwrite_hr = true\nwrite_xyz = true\ntranslate_home_cell = false\n"
open(os.path.join(work, "MoS2.win"), "w").write(win)
subprocess.run(["wannier90.x", "MoS2"], cwd=work, check=True)
out = os.path.join(here, "MoS2")
os.makedirs(out, exist_ok=True)
for name in ("MoS2_tb.dat", "MoS2_wsvec.dat"):
    subprocess.run(f"gzip -9 -c {name} > {out}/{name}.gz", shell=True, cwd=work, check=True)
text = without_kpoints(win)
open(os.path.join(out, "MoS2.win"), "w").write(text)
old = "S         0.0000000000       1.8421191469      -1.5620440727"
assert old in text
new = "S         3.1906439561       1.8421191469      -1.5620440727"
open(os.path.join(out, "MoS2_image.win"), "w").write(text.replace(old, new, 1))
shutil.rmtree(work)
