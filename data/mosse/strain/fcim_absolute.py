#!/usr/bin/env python3
"""FCIM of MoSSe in absolute units from the strained runs of this folder.

Usage: python3 fcim_absolute.py [--nk N] [--kT E] [--eta E] [--json FILE] [FOLDER ...]
(default: every complete run folder here; two runs of one component, e.g. +-0.5 %, give
the central difference).

Prints, per strain component: the vertex's uniform part, its best on-site Mo-d quadrupole
form g_lambda Q_lambda (w90resp.strain_vertex.onsite_fit) with the share of |D|^2 it
cannot carry, then for mu from 1.5 eV below to 0.05 eV above the valence-band top at K:
M_z per strain gradient along x (f_{z x}) in mu_B nm^-2 per (1 % strain per micrometre)
with the full vertex, with its uniform part removed, and with the on-site fit alone, and
the change on doubling nk.  The Hamiltonian is symmetrized as `w90resp fcim` does.
"""
import argparse
import glob
import json
import os
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(HERE))))
G_SPIN = 2.0023
TO_LAB = 1e-4            # hbar/Angstrom -> hbar nm^-2 per (1 % per micrometre)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="*")
    ap.add_argument("--nk", type=int, default=96)
    ap.add_argument("--kT", type=float, default=0.02)
    ap.add_argument("--eta", type=float, default=0.02)
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    from w90resp import __version__
    from w90resp import strain_vertex as sv
    from w90resp.io import load_wannier90
    from w90resp.responses import fcim_vertex as fv
    from w90resp.symmetry import symmetrize_hamiltonian
    warnings.simplefilter("ignore")
    folders = a.folders or sorted(d for d in glob.glob(os.path.join(HERE, "*_[+-]*"))
                                  if os.path.exists(os.path.join(d, "MoSSe_tb.dat.gz")))
    raw0 = load_wannier90(os.path.join(os.path.dirname(HERE), "MoSSe"))
    runs = [(os.path.basename(os.path.normpath(d)), load_wannier90(os.path.join(d, "MoSSe")))
            for d in folders]
    vertex = sv.vertex_from_pairs(raw0, [tb for _, tb in runs])
    for c in vertex.components:
        print(f"D_{c}: {vertex.sources[c]}"
              + (f"; linearity of the one-sided vertices {vertex.linearity[c]:.2e}" if c in vertex.linearity else ""))
    if set(vertex.D) == set(sv.COMPONENTS):
        vertex, rep = sv.symmetrize(raw0, vertex)
        print("vertex symmetrized (C3v + time reversal): removed "
              + ", ".join(f"{c} {r['removed_max']:.1e} of {r['max_D']:.2f} eV" for c, r in rep.items()))
    tb, _ = symmetrize_hamiltonian(raw0)
    E_K = np.linalg.eigvalsh(tb.hamiltonian(np.array([[1 / 3, 1 / 3, 0]])))[0]
    vbm = E_K[13]
    mu = vbm + np.arange(-1.50, 0.0501, 0.01)
    modd = lambda o: o.species == "Mo" and o.shell == "d"   # noqa: E731
    flat = vertex.without_uniform_shift()
    order = [c for c in fv.STRAIN_COMPONENTS if c in vertex.D]
    fits = {c: sv.onsite_fit(raw0, flat.D[c], modd) for c in order}
    out = {"version": __version__, "runs": [r for r, _ in runs], "nk": a.nk, "kT": a.kT, "eta": a.eta,
           "mu": mu.tolist(), "vbm_K": float(vbm),
           "units": {"M_per_gradient": "mu_B nm^-2 per (1 % strain per micrometre), "
                                       "m = -(mu_B/hbar)(L + g_s S), per unit area",
                     "g": "eV per unit strain", "mu": "eV"}}
    print(f"runs: {out['runs']}; valence-band top at K: {vbm:.4f} eV; nk {a.nk}, "
          f"kT {a.kT}, eta {a.eta} eV")
    for c in order:
        f = fits[c]
        print(f"D_{c}: uniform part {vertex.uniform_shift(c):+.3f} eV; on-site Mo-d fit "
              f"g = {np.round(f['g'], 4).tolist()} eV (x2-y2, 3z2-r2, xy, yz, xz), identity "
              f"{f['identity']:+.3f} eV; on-site residual {f['onsite_residual']:.2f}; share of "
              f"|D|^2 beyond the on-site form {f['nonlocal_share']:.3f}")
        out[f"fit_{c}"] = {"g": f["g"].tolist(), "identity": f["identity"],
                           "nonlocal_share": f["nonlocal_share"]}
    fitD = []
    for c in order:
        blk = fits[c]["fit"][(0, 0, 0)] - fits[c]["identity"] * np.diag(
            [1.0 if modd(o) else 0.0 for o in raw0.orbitals])
        fitD.append({(0, 0, 0): blk})
    kw = dict(components=order, symmetry=None)
    sets = {"full": [vertex.D[c] for c in order], "traceless": [flat.D[c] for c in order],
            "onsite_fit": fitD}
    r = fv.fcim_vertex_response(tb, sets, mu, a.kT, a.eta, a.nk, **kw)          # one k sum
    res = {n: -TO_LAB * (r[f"L__{n}"] + G_SPIN * r[f"S__{n}"]) for n in sets}
    r2 = fv.fcim_vertex_response(tb, sets["full"], mu, a.kT, a.eta, 2 * a.nk, **kw)
    res["full_2nk"] = -TO_LAB * (r2["L"] + G_SPIN * r2["S"])
    scale_all = np.abs(res["full"][:, 2]).max()
    for i, c in enumerate(order):
        b = int(np.argmax(np.abs(res["full"][:, 2, :2, i]).max(axis=0)))      # gradient x or y
        d = "xy"[b]
        full = res["full"][:, 2, b, i]
        if np.abs(full).max() < 1e-8 * scale_all:
            print(f"M_z per d_x,y eps_{c}: zero (below 1e-8 of the largest component)")
            continue
        print(f"M_z per d_{d} eps_{c} (mu_B nm^-2 per 1 %/um):")
        print("   mu - E_VBM    full     uniform part removed   on-site fit")
        for j in range(0, len(mu), 15):
            print(f"   {mu[j] - vbm:+.3f}   {full[j]:+.4e}   "
                  f"{res['traceless'][j, 2, b, i]:+.4e}   {res['onsite_fit'][j, 2, b, i]:+.4e}")
        jpk = int(np.argmax(np.abs(full)))
        jv = int(np.argmin(np.abs(mu - vbm)))
        change = np.abs(res["full_2nk"][:, 2, b, i] - full) / np.abs(full).max()
        conv = change.max()
        jc = int(np.argmax(change))
        at = {"vbm": float(change[jv] * np.abs(full).max() / max(abs(full[jv]), 1e-300)),
              "largest": float(change[jpk] * np.abs(full).max() / abs(full[jpk]))}
        print(f"   at the valence-band top: {full[jv]:+.4e}; largest {full[jpk]:+.4e} at mu - E_VBM = "
              f"{mu[jpk] - vbm:+.3f} eV; on-site fit / full there: "
              f"{res['onsite_fit'][jpk, 2, b, i] / full[jpk]:.3f}")
        print(f"   change on doubling nk (relative): {at['vbm']:.1e} at the valence-band top, "
              f"{at['largest']:.1e} at the largest value, {conv:.1e} of the largest value at worst "
              f"(mu - E_VBM = {mu[jc] - vbm:+.3f} eV)")
        out[f"Mz_d{d}_{c}"] = {"full": full.tolist(), "traceless": res["traceless"][:, 2, b, i].tolist(),
                               "onsite_fit": res["onsite_fit"][:, 2, b, i].tolist(),
                               "at_vbm": float(full[jv]), "largest": float(full[jpk]),
                               "largest_mu_minus_vbm": float(mu[jpk] - vbm), "nk_doubling_change": float(conv),
                               "nk_doubling_change_at": at}
    if set(order) == set(fv.STRAIN_COMPONENTS):
        # Neumann (C3v) for the absolute response, from a k sum without the point group
        from w90resp.symmetry import check_tensor, point_group_from_structure
        from w90resp.symmetry.neumann import ResponseSpec
        spec = ResponseSpec("fcim-strain", ("axial", "polar", "polar", "polar"), "spatial", "F",
                            "FCIM per Cartesian strain gradient F_{a b ij}")
        mus = mu[::13]
        r = fv.fcim_vertex_response(tb, [vertex.D[c] for c in order], mus, a.kT, a.eta, a.nk,
                                    components=order, symmetry=False)
        pg = point_group_from_structure(os.path.join(os.path.dirname(HERE), "MoSSe.win"))
        out["neumann"] = {}
        for m in ("L", "S"):
            T = fv.strain_to_cartesian(r[m], order)
            rep = check_tensor(spec, T, pg, forbidden_tol=1e-8, relation_tol=1e-8, raise_error=False)
            print(f"Neumann check ({pg.hm}) of the unsymmetrized k sum with the symmetrized vertex "
                  f"({m}), forbidden and relations at 1e-8 of the largest component: {rep.text()}")
            out["neumann"][m] = rep.ok
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(out, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
