"""Regenerate BN_pure/ and BN_rotated/ from the public WannierDatasets BN inputs.

Source: github.com/qiaojunfeng/WannierDatasets (MIT licence), datasets/BN: BN.win, .amn,
.mmn, .eig (zincblende BN, N:p projections, 4x4x4 k; QE/EPW run of another group).
Usage: python make_bn.py DIR_WITH_BN_FILES   (needs wannier90.x 3.1 on the PATH)

BN_pure:    the inputs as published, with num_iter = 0 (projection-only WFs) and write_tb.
BN_rotated: the same with projection N:p:z=1,1,1:x=1,-1,0.  pw2wannier90 would compute
            A'_mn(k) = <psi_m|g'_n> with g'_j = sum_i R_ij g_i (R_ij = global axis i . local
            axis j, p order pz, px, py), i.e. A' = A R; that is what is written here.
            With num_iter = 0 the WFs are U' = A'(A'^+A')^-1/2 = U R, so the rotated-frame
            Hamiltonian is R^T H R exactly (to the files' printed precision).
"""
import os
import shutil
import subprocess
import sys

import numpy as np

from _make_common import without_kpoints

src = os.path.abspath(sys.argv[1])
here = os.path.dirname(os.path.abspath(__file__))


def run(dirname, rotate):
    work = os.path.join(here, "_work_" + dirname)
    os.makedirs(work, exist_ok=True)
    for ext in ("mmn", "eig"):
        shutil.copy(os.path.join(src, "BN." + ext), work)
    win = open(os.path.join(src, "BN.win")).read()
    win = win.replace("num_iter =   50000", "num_iter = 0")
    win += "write_tb = true\nwrite_hr = true\nwrite_xyz = true\n"
    lines = open(os.path.join(src, "BN.amn")).read().splitlines()
    nb, nk, nw = map(int, lines[1].split())
    A = np.zeros((nk, nb, nw), complex)
    for ln in lines[2:]:
        m, n, k, re, im = ln.split()
        A[int(k) - 1, int(m) - 1, int(n) - 1] = float(re) + 1j * float(im)
    if rotate:
        z = np.array([1, 1, 1.0]) / np.sqrt(3)
        x = np.array([1, -1, 0.0]) / np.sqrt(2)
        loc = [z, x, np.cross(z, x)]
        glob = [np.array([0, 0, 1.0]), np.array([1.0, 0, 0]), np.array([0, 1.0, 0])]
        A = A @ np.array([[g @ v for v in loc] for g in glob])
        win = win.replace(" N:p\n", " N:p:z=1,1,1:x=1,-1,0\n")
    with open(os.path.join(work, "BN.amn"), "w") as fh:
        fh.write(" BN amn\n" + lines[1] + "\n")
        for k in range(nk):
            for n in range(nw):
                for m in range(nb):
                    fh.write(f"{m + 1:5d}{n + 1:5d}{k + 1:5d}{A[k, m, n].real:18.12f}"
                             f"{A[k, m, n].imag:18.12f}\n")
    open(os.path.join(work, "BN.win"), "w").write(win)
    subprocess.run(["wannier90.x", "BN"], cwd=work, check=True)
    out = os.path.join(here, dirname)
    os.makedirs(out, exist_ok=True)
    subprocess.run(f"gzip -9 -c BN_tb.dat > {out}/BN_tb.dat.gz", shell=True, cwd=work, check=True)
    open(os.path.join(out, "BN.win"), "w").write(without_kpoints(win))
    shutil.rmtree(work)


run("BN_pure", False)
run("BN_rotated", True)
