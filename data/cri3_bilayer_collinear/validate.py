#!/usr/bin/env python3
"""Checks of the bilayer CrI3 Wannier Hamiltonians against the DFT runs next to them.

Reads scf.out, nscf.out (collinear, nspin = 2), CrI3bi_up/_dn (Wannier90) and CrI3bi
(combine.py).  Prints: the moments, per spin channel the DFT gap and the largest
|E_Wannier - E_DFT| on the nscf grid and, off that grid, at the scf's 4x4 k-points; the
magnetic point group spglib finds with the layer moments; what the magnetic-group
symmetrizer removes from the spinor H and how the Cr exchange splitting changes; the gap
of the spinor H.  Exit status 1 if a target is missed.
"""
import os
import re
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, os.pardir))

EXCLUDED = 12                   # I 5s bands per spin
N_OCC_SPIN = 54                 # electrons per spin channel: 108 valence electrons, |M| ~ 0
MAXDEV_TOL = 0.02               # eV, on the nscf grid below the frozen-window top
MAGMOMS = [3.0, 3.0, -3.0, -3.0]   # Cr1 (lower layer) +, Cr2 (upper layer) -, along z


def pw_bands(fname, nks=None):
    """{'up', 'dn'}: (nk, nbnd) eigenvalues and the k-points (Cartesian, 2pi/alat) of a pw.x
    output (the last band structure printed)."""
    text = open(os.path.join(HERE, fname)).read()
    nbnd = int(re.search(r"number of Kohn-Sham states=\s*(\d+)", text).group(1))
    alat = float(re.search(r"lattice parameter \(alat\)\s*=\s*([\d.]+)", text).group(1))
    tail = text[text.rindex("End of "):]
    out = {}
    for name, part in zip(("up", "dn"), tail.split("SPIN DOWN")):
        ks = re.findall(r"\n\s+k =\s*(-?[\d.]+)\s*(-?[\d.]+)\s*(-?[\d.]+)", part.replace("-", " -"))
        blocks = re.split(r"\n\s+k =.*?bands \(ev\):\s*\n", part)[1:]
        E = np.array([[float(x) for x in re.findall(r"-?\d+\.\d+", b)[:nbnd]] for b in blocks])
        out[name] = (np.array(ks, float), E)
    return out, alat


def main():
    from w90resp.io import load_wannier90
    from w90resp.symmetry.hamiltonian import exchange_splitting, symmetrize_hamiltonian
    from w90resp.symmetry.structure import point_group_from_cell
    ok = True
    scf = open(os.path.join(HERE, "scf.out")).read()
    tot = float(re.findall(r"total magnetization\s+=\s+(-?[\d.]+)", scf)[-1])
    ab = float(re.findall(r"absolute magnetization\s+=\s+(-?[\d.]+)", scf)[-1])
    print(f"scf: total magnetization {tot:.2f}, absolute {ab:.2f} muB/cell (AFM layers: 0 and ~12-16)")
    ok &= abs(tot) < 0.1 and 11 < ab < 17
    nscf, _ = pw_bands("nscf.out")
    scfb, alat_bohr = pw_bands("scf.out")
    kin = open(os.path.join(HERE, "nscf.in")).read().split("K_POINTS crystal")[1].split("\n")
    kred = np.array([[float(x) for x in ln.split()[:3]] for ln in kin[2:2 + int(kin[1])]])
    alat = alat_bohr * 0.529177210903          # Angstrom (CODATA Bohr radius)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chans = {s: load_wannier90(os.path.join(HERE, f"CrI3bi_{s}"), position_matrix="diagonal")
                 for s in ("up", "dn")}
    for s, tb in chans.items():
        E = nscf[s][1]
        win = open(os.path.join(HERE, f"CrI3bi_{s}.win")).read()
        m = re.search(r"dis_froz_max\s*=\s*(-?[\d.]+)", win)
        froz = float(m.group(1)) if m else np.inf
        nw = tb.num_wann
        Ew = np.linalg.eigvalsh(tb.hamiltonian(kred))
        Ed = E[:, EXCLUDED:EXCLUDED + nw]
        dev = np.abs(Ew - Ed)[Ed < froz].max()
        gap = E[:, N_OCC_SPIN].min() - E[:, N_OCC_SPIN - 1].max()
        # off the nscf grid: the scf's irreducible 4x4 points (Cartesian 2pi/alat -> reduced)
        kc, Es = scfb[s]
        kr = (kc * 2 * np.pi / alat) @ np.linalg.inv(tb.recip_lattice)
        Eo = np.linalg.eigvalsh(tb.hamiltonian(kr))
        Eso = Es[:, EXCLUDED:EXCLUDED + nw]
        n_occ_w = N_OCC_SPIN - EXCLUDED
        dv = np.abs(Eo[:, :n_occ_w + 4] - Eso[:, :n_occ_w + 4]).max()
        print(f"spin {s}: DFT gap on the nscf grid {gap:.3f} eV; Wannier vs DFT on the grid "
              f"{1e3 * dev:.2f} meV (frozen window); off the grid at {len(kr)} scf k-points, "
              f"occupied + 4 lowest empty bands: max {1e3 * dv:.0f} meV")
        ok &= dev < MAXDEV_TOL
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tb = load_wannier90(os.path.join(HERE, "CrI3bi"), spin_order="interlaced")
    lat = tb.real_lattice
    pos = np.array([p for _, p in tb.atoms]) @ np.linalg.inv(lat)
    num = [0 if lab.lower().startswith("cr") else 1 for lab, _ in tb.atoms]
    mom, j = [], 0
    for n in num:
        mom.append(MAGMOMS[j] if n == 0 else 0.0)
        j += n == 0
    pg = point_group_from_cell(lat, pos, num, magmoms=mom)
    print(f"magnetic point group (spglib, layer moments +-z): {pg.hm} ({pg.schoenflies})")
    tb.magnetic_moments = [[0, 0, m] for m in mom]
    sym, rep = symmetrize_hamiltonian(tb)
    ex0, ex1 = exchange_splitting(tb), exchange_splitting(sym)
    crs = [i for i, n in enumerate(num) if n == 0]
    print(f"magnetic-group symmetrizer: {rep['operations']} operations "
          f"({rep['antiunitary_operations']} antiunitary), removed max {rep['removed_max']:.2e} eV "
          f"of max|H| {rep['max_H']:.2f}; Cr exchange splittings "
          + ", ".join(f"{ex0[i]:.4f}->{ex1[i]:.4f}" for i in crs) + " eV")
    ok &= max(abs(ex1[i] - ex0[i]) for i in crs) <= rep["removed_max"] + 1e-12
    g = np.arange(12) / 12
    k = np.array([[a, b, 0] for a in g for b in g])
    E = np.linalg.eigvalsh(sym.hamiltonian(k))
    nocc = 2 * (N_OCC_SPIN - EXCLUDED)
    print(f"spinor H (+ lambda L.S): gap on a 12x12 grid {E[:, nocc].min() - E[:, nocc - 1].max():.3f} eV, "
          f"VBM {E[:, nocc - 1].max():.3f}, CBM {E[:, nocc].min():.3f} eV; Kramers-like (PT) "
          f"degeneracy max |E_2n - E_2n+1| = {np.abs(E[:, 0::2] - E[:, 1::2]).max():.1e} eV")
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
