#!/usr/bin/env python3
"""Spinor Wannier Hamiltonian of bilayer CrI3 from the collinear run plus on-site SOC.

    H(R) = H_up(R) (x) |up><up| + H_dn(R) (x) |dn><dn|
           + delta_R0 sum_atoms lambda_species (L.S)_atom                       (A)

H_up, H_dn: the two spin channels' Wannier Hamiltonians (CrI3bi_up/_dn, same projections,
projection-only gauge, MDRS applied by the reader).  lambda_Cr (Cr d) and lambda_I (I p):
least-squares projections of the on-site blocks of the monolayer's full-SOC Wannier
Hamiltonian (../cri3_monolayer) onto L.S of the same shell,
lambda = Re Tr[H_site (L.S)] / Tr[(L.S)^2], averaged over the sites of a species (the
crystal field A (x) 1 and the exchange A (x) sigma_z, A real symmetric, are orthogonal to
L.S, so they do not enter).  Neglected: spin-flip and spin-dependent hoppings that SOC
induces between sites, anisotropic on-site SOC beyond lambda L.S, and the SOC change of
the self-consistent density (the validation on the monolayer states their size).

Writes CrI3bi_hr.dat.gz, CrI3bi_centres.xyz and CrI3bi.win (spinors, interlaced up/down,
moments along z: Cr1 +, Cr2 -) and prints lambda and the checks.
"""
import dataclasses
import gzip
import os
import shutil
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, os.pardir))


def site_soc(tb, species):
    """lambda of ``species`` (eV) fitted to the on-site blocks of a spinor ``tb``, and its
    spread over the sites."""
    ops = tb.operators()
    LS = np.einsum("aij,ajk->ik", ops["L"], ops["S"])
    H0 = tb.hoppings[(0, 0, 0)]
    lam = []
    for site in sorted({o.site for o in tb.orbitals if o.species == species}):
        idx = [i for i, o in enumerate(tb.orbitals) if o.site == site and o.shell in ("p", "d")]
        B, X = H0[np.ix_(idx, idx)], LS[np.ix_(idx, idx)]
        lam.append(np.trace(B @ X).real / np.trace(X @ X).real)
    return float(np.mean(lam)), float(np.std(lam))


def spinor_from_collinear(up, dn, soc):
    """TightBinding of Eq. (A); ``soc``: species -> lambda (eV)."""
    from w90resp.tb import TightBinding
    nw = up.num_wann
    orbs = [dataclasses.replace(o, spin=s) for o in up.orbitals for s in ("up", "down")]
    hop = {}
    for R in set(up.hoppings) | set(dn.hoppings):
        h = np.zeros((2 * nw, 2 * nw), dtype=complex)
        h[0::2, 0::2] = up.hoppings.get(R, 0.0)
        h[1::2, 1::2] = dn.hoppings.get(R, 0.0)
        hop[R] = h
    tb = TightBinding(name="CrI3bi", real_lattice=up.real_lattice, orbitals=orbs, hoppings=hop,
                      periodic=tuple(up.periodic), atoms=list(up.atoms))
    ops = tb.operators()
    LS = np.einsum("aij,ajk->ik", ops["L"], ops["S"])
    for species, lam in soc.items():
        idx = np.array([o.species == species and o.shell in ("p", "d") for o in orbs])
        mask = idx[:, None] & idx[None, :] & np.equal.outer([o.site for o in orbs], [o.site for o in orbs])
        hop[(0, 0, 0)] = hop[(0, 0, 0)] + lam * LS * mask
    return tb


def monolayer_check(mono, soc, nk=12, n_occ=42):
    """Approximation (A) applied to the monolayer's own full-SOC H: the collinear channels
    emulated by the real parts of its spin-diagonal blocks (with real Wannier orbitals the
    spin-conserving hoppings are real; SOC adds the imaginary parts and the spin-flip
    blocks), then on-site lambda L.S added.  Returns (max |dE| of all bands, of the
    bands within 1 eV of the gap, gap full, gap approximated) in eV on an nk x nk grid."""
    from w90resp.tb import TightBinding
    hop = {}
    for R, h in mono.hoppings.items():
        c = np.zeros_like(h)
        c[0::2, 0::2], c[1::2, 1::2] = h[0::2, 0::2].real, h[1::2, 1::2].real
        hop[R] = c
    ops = mono.operators()
    LS = np.einsum("aij,ajk->ik", ops["L"], ops["S"])
    site = np.array([o.site for o in mono.orbitals])
    for species, lam in soc.items():
        idx = np.array([o.species == species and o.shell in ("p", "d") for o in mono.orbitals])
        hop[(0, 0, 0)] = hop[(0, 0, 0)] + lam * LS * (idx[:, None] & idx[None, :]
                                                      & (site[:, None] == site[None, :]))
    approx = TightBinding(name="approx", real_lattice=mono.real_lattice, orbitals=mono.orbitals,
                          hoppings=hop, periodic=tuple(mono.periodic), atoms=list(mono.atoms))
    g = np.arange(nk) / nk
    k = np.array([[a, b, 0] for a in g for b in g])
    E0, E1 = (np.linalg.eigvalsh(t.hamiltonian(k)) for t in (mono, approx))
    gap = [E[:, n_occ].min() - E[:, n_occ - 1].max() for E in (E0, E1)]
    near = np.abs(E0 - 0.5 * (E0[:, n_occ].min() + E0[:, n_occ - 1].max())) < 1.0 + gap[0] / 2
    return np.abs(E0 - E1).max(), np.abs(E0 - E1)[near].max(), gap[0], gap[1]


def write_win(path, template):
    text = open(template).read()
    out = ["! Bilayer CrI3 spinor Hamiltonian of combine.py: collinear Wannier functions of both spin",
           "! channels, interlaced (up, down) per orbital, plus on-site lambda L.S from the monolayer",
           "spinors = .true.",
           "use_ws_distance = .false.   ! H(R) below already holds the MDRS images of the channels"]
    keep = True
    for line in text.splitlines():
        key = line.split("=")[0].strip().lower()
        if key.startswith("begin kpoints"):
            keep = False
        if key == "num_wann":
            line = "num_wann  = 112"
        if keep and key not in ("num_bands", "exclude_bands", "spinors") and not key.startswith("dis_") \
                and not line.startswith("!"):
            out.append(line)
        if key.startswith("end kpoints"):
            keep = True
    open(path, "w").write("\n".join(out) + "\n")


def main():
    from w90resp.io import load_wannier90
    from w90resp.io.wannier90 import write_centres_xyz, write_hr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mono = load_wannier90(os.path.join(HERE, os.pardir, "cri3_monolayer", "CrI3"))
        up = load_wannier90(os.path.join(HERE, "CrI3bi_up"), position_matrix="diagonal")
        dn = load_wannier90(os.path.join(HERE, "CrI3bi_dn"), position_matrix="diagonal")
    soc = {}
    for sp in ("Cr", "I"):
        lam, spread = site_soc(mono, sp)
        soc[sp] = lam
        print(f"lambda_{sp} = {lam * 1e3:.2f} meV (spread over the monolayer's sites {spread * 1e3:.2f} meV)")
    dall, dnear, g0, g1 = monolayer_check(mono, soc)
    print(f"approximation (A) on the monolayer (12x12 grid): bands change by max {dall * 1e3:.0f} meV "
          f"(within 1 eV of the gap {dnear * 1e3:.0f} meV); gap {g0:.3f} eV full SOC, {g1:.3f} eV (A)")
    tb = spinor_from_collinear(up, dn, soc)
    out = os.path.join(HERE, "CrI3bi")
    write_hr(tb, out + "_hr.dat", header="bilayer CrI3: collinear Wannier H (up, down interlaced) + "
             "on-site lambda L.S (combine.py)")
    with open(out + "_hr.dat", "rb") as src, gzip.open(out + "_hr.dat.gz", "wb", 9) as dst:
        shutil.copyfileobj(src, dst)
    os.remove(out + "_hr.dat")
    write_centres_xyz(tb, out + "_centres.xyz")
    write_win(out + ".win", os.path.join(HERE, "CrI3bi_up.win"))
    print(f"wrote {out}_hr.dat.gz, _centres.xyz, .win: {tb.num_wann} spinor WFs, {len(tb.hoppings)} R")


if __name__ == "__main__":
    main()
