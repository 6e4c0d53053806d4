#!/usr/bin/env python3
"""Checks of the monolayer CrI3 Wannier Hamiltonian against the DFT runs next to it.

Reads scf.out, nscf.out, CrI3.win and CrI3_tb.dat (+ _wsvec.dat) from this directory
(w90resp reads the Wannier files).  Prints: the moment per cell, the DFT and Wannier
gaps on the 4x4 grid, the largest |E_Wannier - E_DFT| inside the frozen window, the
Cr-d / I-p weight and <S_z> of the band-edge states, the magnetic point group spglib
finds with moments along z, and what the magnetic-group symmetrizer removes (and how
the exchange splitting changes).  Exit status 1 if a target is missed.
"""
import os
import re
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, os.pardir))

N_OCC = 54                      # Cr 3d5 4s1 x 2 + I 5s2 5p5 x 6
EXCLUDED = 12                   # I 5s bands below the Wannier window
MOMENT_REF, MOMENT_TOL = 6.0, 0.3     # 3 muB per Cr (Cr3+, d3), per cell
GAP_RANGE = (0.3, 1.6)          # PBE+SOC monolayer CrI3: ~0.8-1.1 eV in the literature
MAXDEV_TOL = 0.02               # eV, inside the frozen window on the DFT grid


def nscf():
    text = open(os.path.join(HERE, "nscf.out")).read()
    nbnd = int(re.search(r"number of Kohn-Sham states=\s*(\d+)", text).group(1))
    blocks = re.split(r"\n\s+k =.*?bands \(ev\):\s*\n", text)[1:]
    E = []
    for b in blocks:
        vals = [float(x) for x in re.findall(r"-?\d+\.\d+", b)[:nbnd]]
        E.append(vals)
    kin = open(os.path.join(HERE, "nscf.in")).read().split("K_POINTS crystal")[1].split("\n")
    nk = int(kin[1])
    k = np.array([[float(x) for x in ln.split()[:3]] for ln in kin[2:2 + nk]])
    ef = float(re.findall(r"the Fermi energy is\s+(-?\d+\.\d+)", text)[-1])
    return k, np.array(E)[:nk], ef


def window(name):
    m = re.search(rf"^\s*{name}\s*=\s*(-?[\d.]+)", open(os.path.join(HERE, "CrI3.win")).read(),
                  re.MULTILINE)
    return float(m.group(1)) if m else None


def main():
    from w90resp.io import load_wannier90
    from w90resp.symmetry.hamiltonian import exchange_splitting, symmetrize_hamiltonian
    from w90resp.symmetry.structure import point_group_from_cell
    ok = True
    scf = open(os.path.join(HERE, "scf.out")).read()
    mz = float(re.findall(r"total magnetization\s+=\s+\S+\s+\S+\s+(-?[\d.]+)", scf)[-1])
    print(f"total magnetization (scf): {mz:.2f} muB/cell along z (target {MOMENT_REF} +- {MOMENT_TOL})")
    ok &= abs(mz - MOMENT_REF) < MOMENT_TOL

    k, E, ef = nscf()
    gap = E[:, N_OCC].min() - E[:, N_OCC - 1].max()
    print(f"DFT (nscf, 4x4): E_F = {ef:.4f} eV, gap on the grid {gap:.3f} eV "
          f"(target {GAP_RANGE[0]}-{GAP_RANGE[1]})")
    ok &= GAP_RANGE[0] < gap < GAP_RANGE[1]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tb = load_wannier90(os.path.join(HERE, "CrI3"))
    Hk = tb.hamiltonian(k)
    Ew, U = np.linalg.eigh(Hk)
    froz = window("dis_froz_max")
    nw = tb.num_wann
    Ed = E[:, EXCLUDED:EXCLUDED + nw]
    inside = Ed < (froz if froz is not None else np.inf)
    dev = np.abs(Ew - Ed)[inside].max()
    print(f"Wannier vs DFT on the nscf grid, {nw} bands"
          f"{'' if froz is None else f' below the frozen window top {froz:.2f} eV'}: "
          f"max |dE| = {1e3 * dev:.2f} meV (target < {1e3 * MAXDEV_TOL:.0f})")
    ok &= dev < MAXDEV_TOL
    gap_w = Ew[:, N_OCC - EXCLUDED].min() - Ew[:, N_OCC - EXCLUDED - 1].max()
    print(f"Wannier gap on the grid {gap_w:.3f} eV")

    ops = tb.operators()
    cr = np.array([o.species.lower().startswith("cr") for o in tb.orbitals], float)
    for name, n in (("valence top", N_OCC - EXCLUDED - 1), ("conduction bottom", N_OCC - EXCLUDED)):
        ik = int(np.argmax(Ew[:, n])) if name == "valence top" else int(np.argmin(Ew[:, n]))
        u = U[ik, :, n]
        wcr = float(np.sum(cr * np.abs(u) ** 2))
        sz = float(np.real(u.conj() @ ops["S"][2] @ u))
        print(f"  {name} at k = {np.round(k[ik], 3)}: Cr-d weight {wcr:.2f}, I-p {1 - wcr:.2f}, <S_z> = {sz:+.2f}")

    lat = tb.real_lattice
    pos = np.array([p for _, p in tb.atoms]) @ np.linalg.inv(lat)
    num = [0 if lab.lower().startswith("cr") else 1 for lab, _ in tb.atoms]
    mom = [3.0 if n == 0 else 0.0 for n in num]
    pg = point_group_from_cell(lat, pos, num, magmoms=mom)
    print(f"magnetic point group (spglib, moments along z): {pg.hm} ({pg.schoenflies})")
    ok &= pg.hm in ("-3m'", "-3m'1")

    tb.magnetic_moments = [[0, 0, m] for m in mom]
    sym, rep = symmetrize_hamiltonian(tb)
    ex0, ex1 = exchange_splitting(tb), exchange_splitting(sym)
    s0 = max(ex0[s] for s in ex0 if num[s] == 0)
    s1 = max(ex1[s] for s in ex1 if num[s] == 0)
    print(f"magnetic-group symmetrizer: {rep['operations']} operations "
          f"({rep['antiunitary_operations']} antiunitary), removed max {rep['removed_max']:.2e} eV "
          f"of max|H| {rep['max_H']:.2f}; Cr exchange splitting (time-odd on-site) {s0:.4f} -> "
          f"{s1:.4f} eV (change {abs(s1 - s0):.1e})")
    ok &= abs(s1 - s0) <= rep["removed_max"] + 1e-12
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
