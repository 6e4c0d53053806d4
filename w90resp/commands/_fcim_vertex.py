"""``w90resp fcim --strain-vertex``: FCIM in absolute units with the ab-initio strain vertex.

The vertex D = [H_eps(R) - H_0(R)]/eps comes from strained Wannier runs
(:mod:`w90resp.strain_vertex`); the response from :mod:`w90resp.responses.fcim_vertex`.
"""
import os
import time

import numpy as np

from ..errors import UserError


def add_arguments(p):
    p.add_argument("--strain-vertex", nargs="+", metavar="DIR", default=None,
                   help="folders of strained Wannier90 runs of the --seedname system (one "
                        "homogeneous in-plane strain component each, e.g. "
                        "data/mosse/strain/xx_+0.005; files DIR/<seed>_tb.dat[.gz] etc.): "
                        "FCIM with the vertex D = dH/d eps in absolute units instead of f/g")


def _strained_seed(seedname, folder):
    seed = os.path.join(folder, os.path.basename(seedname))
    if not any(os.path.exists(seed + s) for s in ("_tb.dat", "_tb.dat.gz", "_hr.dat", "_hr.dat.gz")):
        raise UserError(f"--strain-vertex {folder}: no {os.path.basename(seedname)}_tb.dat or "
                        "_hr.dat (optionally .gz) there")
    return seed


def lab_factors(g_spin):
    """natural f (hbar/Angstrom, D in eV per unit strain, per area) -> lab units."""
    from scipy import constants as c
    per_gradient = 1e-4            # hbar nm^-2 per (1 % strain per micrometre)
    return {"angular_momentum": per_gradient, "si": c.hbar / 1e-10,
            "magnetization_L": -per_gradient, "magnetization_S": -g_spin * per_gradient}


def run(args, tb, sym_report, mu, moments):
    from .. import strain_vertex as sv
    from ..output import system_summary, write_json
    from ..responses.fcim_vertex import fcim_vertex_response, STRAIN_COMPONENTS
    from ._common import read_seedname
    if not args.seedname:
        raise UserError("--strain-vertex needs --seedname (the unstrained run)")
    bad = [m for m in moments if m not in ("L", "S")]
    if bad:
        raise UserError(f"--strain-vertex: moments {bad} not available (L, S)")
    if args.kubo != "intraband" or args.split:
        raise UserError("--strain-vertex computes Eq. (34) (--kubo intraband, no --split)")
    raw0 = read_seedname(args.seedname, args, quiet=True)
    strained = [read_seedname(_strained_seed(args.seedname, d), args, quiet=True)
                for d in args.strain_vertex]
    try:
        vertex = sv.vertex_from_pairs(raw0, strained)
    except ValueError as err:
        raise UserError(f"--strain-vertex: {err}") from None
    comps = vertex.components
    complete = set(comps) == set(STRAIN_COMPONENTS)
    symmetry = complete and not args.no_symmetry
    if not args.quiet:
        for c in comps:
            print(f"strain vertex D_{c}: {vertex.sources[c]}; uniform part "
                  f"{vertex.uniform_shift(c):+.3f} eV per unit strain"
                  + (f"; linearity {vertex.linearity[c]:.1e}" if c in vertex.linearity else ""))
        if not complete:
            print(f"note: strain components {comps} only: the k-sum runs without the point group "
                  f"(symmetrization needs all of {STRAIN_COMPONENTS})")
    residuals = sv.symmetry_residuals(raw0, vertex, symprec=args.symprec)
    worst = max(r["residual"] / r["scale"] for r in residuals)
    vertex_sym = None
    if complete and not args.no_symmetrize_hamiltonian and raw0.atoms:
        vertex, vertex_sym = sv.symmetrize(raw0, vertex, symprec=args.symprec)
        if not args.quiet:
            print("symmetrized the vertex over the space group + time reversal: removed "
                  + ", ".join(f"{c} {r['removed_max']:.1e} of {r['max_D']:.2f} eV"
                              for c, r in vertex_sym.items()))
    t0 = time.perf_counter()
    order = [c for c in STRAIN_COMPONENTS if c in comps]
    full = [vertex.D[c] for c in order]
    flat = vertex.without_uniform_shift()
    traceless = [flat.D[c] for c in order]
    try:
        both = fcim_vertex_response(tb, {"full": full, "traceless": traceless}, mu, args.kT,
                                    args.eta, args.nk, moments, components=order,
                                    symmetry=symmetry, degen_thresh=args.degen_thresh)
        res = {m: both[f"{m}__full"] for m in moments}
        res0 = {m: both[f"{m}__traceless"] for m in moments}
    except ValueError as err:
        raise UserError(str(err)) from None
    elapsed = time.perf_counter() - t0
    lab_ok = tb.energy_unit == "eV" and tb.length_unit == "Angstrom" and tb.dimension == 2
    data = {"mu": mu, "components": order, "kT": args.kT, "eta": args.eta,
            "index_order": "[mu][alpha][beta][component]: M_alpha = f d_beta eps_component "
                           "(eps_xy = eps_yx for the shear component)"}
    f = lab_factors(args.g_spin) if lab_ok else None
    for m in moments:
        data[f"f_{m}"] = res[m]
        data[f"f_{m}_traceless_vertex"] = res0[m]
        if lab_ok:
            data[f"{m}_per_gradient"] = res[m] * f["angular_momentum"]
            data[f"{m}_per_gradient_si"] = res[m] * f["si"]
    if lab_ok and set(moments) >= {"L", "S"}:
        data["magnetization_per_gradient"] = (res["L"] * f["magnetization_L"]
                                              + res["S"] * f["magnetization_S"])
        data["magnetization_per_gradient_traceless_vertex"] = (
            res0["L"] * f["magnetization_L"] + res0["S"] * f["magnetization_S"])
    units = {"f_L, f_S": "hbar/Angstrom per unit area (2D): angular-momentum density per "
                         "strain gradient, D in eV per unit strain",
             "mu, kT, eta": tb.energy_unit}
    if lab_ok:
        units.update({"L_per_gradient, S_per_gradient": "hbar nm^-2 per (1 % strain per micrometre)",
                      "*_per_gradient_si": "J s m^-2 per m^-1 (= J s m^-1)",
                      "magnetization_per_gradient": "mu_B nm^-2 per (1 % strain per micrometre), "
                                                    "m = -(mu_B/hbar)(L + g_s S)"})
    params = {"nk": args.nk, "kT": args.kT, "eta": args.eta, "moments": list(moments),
              "symmetry": symmetry, "elapsed_seconds": round(elapsed, 2), "g_spin": args.g_spin,
              "formula": "Koyama, Koretsune, Hattori Eq. (34) with g_lambda Q_lambda -> D(k) "
                         "(w90resp.responses.fcim_vertex)",
              "strain_vertex": {c: {"amplitude": vertex.amplitudes[c], "source": vertex.sources[c],
                                    "uniform_shift_eV": vertex.uniform_shift(c),
                                    "linearity": vertex.linearity.get(c)} for c in order},
              "strain_vertex_folders": [os.path.normpath(d) for d in args.strain_vertex],
              "vertex_symmetry_residual_max": worst,
              "vertex_symmetrization": vertex_sym or "not symmetrized (needs all of xx, yy, xy)",
              "vertex_reference": "f_*: D as measured, eigenvalues referred to the DFT cell-"
                                  "averaged potential; f_*_traceless_vertex: the uniform part "
                                  "(mean diagonal of D(R=0)) removed. They differ only in "
                                  "Edelstein-like components; the vacuum-level reference is not "
                                  "known from these files",
              "hamiltonian_symmetrization": sym_report, "symprec": args.symprec,
              "degen_thresh": args.degen_thresh, "input": tb.parameters}
    write_json(args.json, "FCIM f_{alpha beta}^eps with the ab-initio strain vertex (dissipative)",
               data, units, params, system_summary(tb))
    if not args.quiet:
        for m in moments:
            i = np.unravel_index(np.argmax(np.abs(res[m])), res[m].shape)
            print(f"largest |f_{m}| = {abs(res[m][i]):.4g} hbar/Angstrom at mu = {mu[i[0]]:g}, "
                  f"[alpha beta {order[i[3]]}] = [{'xyz'[i[1]]} {'xyz'[i[2]]}]")
        print(f"vertex symmetry residual (worst, relative): {worst:.1e}; {elapsed:.1f} s")
        print(f"wrote {args.json}")
    return 0
