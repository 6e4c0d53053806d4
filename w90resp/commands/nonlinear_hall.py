"""``w90resp nonlinear-hall``: intrinsic nonlinear Hall and nonlinear anomalous Ettingshausen
currents of a 2D system (Xiao, Ren & Xiong, PRB 103, 115432, Sec. V B)."""
import time

import numpy as np

from ..errors import UserError
from ._common import (add_degeneracy_option, add_run_options, add_wannier_options,
                      degeneracy_record, max_memory_bytes, mu_record, prepare_2d_interband_run)

NAME = "nonlinear-hall"
HELP = "intrinsic nonlinear Hall chi_abc and nonlinear anomalous Ettingshausen currents (2D)"
DESCRIPTION = (
    "Second order in the electric field, per unit width of a 2D system: the intrinsic "
    "(Berry-connection-polarizability) nonlinear Hall current j_a = chi_abc E_b E_c and the "
    "heat currents of Xiao, Ren & Xiong, PRB 103, 115432, Eqs. (27)-(29): energy current "
    "(27), magnetization current (28) from the field-induced orbital magnetization "
    "(orbital-ME chi of the same run), and the transport heat current (29) = (27) - (28) - "
    "(mu/q) j. JSON arrays are [mu][a][b][c] with a, b, c = x, y; SI units A m V^-2 (chi) "
    "and W m V^-2 (heat currents; thermal_per_T in W m V^-2 K^-1) for eV/Angstrom systems, "
    "natural values stored as *_natural. Electrons (q = -|e|).")


def add_arguments(parser):
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", metavar="NAME", help="built-in 2D model (pt-afm, honeycomb, ...)")
    src.add_argument("--seedname", metavar="PATH", help="Wannier90 seedname (_tb.dat/_hr.dat, .win)")
    parser.add_argument("--T", type=float, required=True, metavar="E",
                        help="temperature k_B T (energy unit of the Hamiltonian), > 0")
    parser.add_argument("--mu-min", type=float, required=True, metavar="E")
    parser.add_argument("--mu-max", type=float, required=True, metavar="E")
    parser.add_argument("--mu-step", type=float, required=True, metavar="E")
    parser.add_argument("--nk", type=int, default=96, help="k points per periodic direction")
    parser.add_argument("--no-symmetry", action="store_true",
                        help="no symmetry in the k-sum (no k-point reduction, results not "
                             "symmetrized)")
    add_degeneracy_option(parser, "interband")
    add_run_options(parser)
    add_wannier_options(parser)
    parser.add_argument("--json", metavar="FILE", required=True, help="output JSON file")
    parser.add_argument("--plot", metavar="FILE", help="PNG of chi_yxx, chi_xxy and the heat "
                        "currents versus mu")


def plot(path, mu, chi, heat, units, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.6))
    for (a, b, c), style in (((1, 0, 0), "-"), ((0, 0, 1), "--"), ((0, 1, 1), "-."),
                             ((1, 0, 1), ":")):
        lab = "xyz"[a] + "xyz"[b] + "xyz"[c]
        ax[0].plot(mu, chi[:, a, b, c], style, label=rf"$\chi_{{{lab}}}$")
    ax[0].set_ylabel(units["chi"], fontsize=8)
    for name, style in (("energy", "-"), ("magnetization", "--"), ("thermal", "-.")):
        ax[1].plot(mu, heat[name][:, 1, 0, 0], style, label=f"{name} (yxx)")
    ax[1].set_ylabel(units["thermal"], fontsize=8)
    for a in ax:
        a.axhline(0, color="0.7", lw=0.5)
        a.set_xlabel(r"$\mu$")
        a.legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    from ..output import save_figure
    save_figure(fig, path)
    plt.close(fig)


def run(args):
    from .. import runner
    from ..output import system_summary, write_json
    from ..responses import nonlinear_hall as nlh
    from ..responses.orbital_me import OrbitalME
    tb, mu, symmetry, positions_note = prepare_2d_interband_run(
        args, 'the currents are defined per unit width of a 2D system',
        'the intrinsic nonlinear Hall current vanishes',
        "the Berry connection polarizability uses orbital positions only (the file's "
        "off-diagonal r_mn(R) is not used)")
    kw = {"degen_thresh": args.degen_thresh}
    from ..convergence import report as resolution_report
    resolution = resolution_report(tb, mu, args.nk, 0.5 * args.T, "k_B T/2", kT=args.T)
    t0 = time.time()
    calcs = nlh.calculators(mu, args.T, tb.cell_measure, **kw)
    calcs["chi_ome"] = OrbitalME("chi", mu, args.T, tb.cell_measure, **kw)
    res = runner.run(tb, calcs, args.nk, symmetry=symmetry, symprec=args.symprec,
                     max_memory=max_memory_bytes(args))
    elapsed = time.time() - t0
    chi_ome = res["chi_ome"][:, 2, :2]
    bal = nlh.ettingshausen_balance(res, chi_ome, mu)
    inplane = (slice(None), slice(0, 2), slice(0, 2), slice(0, 2))
    nat = {"chi": res["chi"][inplane], "energy": bal["energy"][inplane],
           "magnetization": bal["magnetization"][inplane], "thermal": bal["thermal"][inplane],
           "transport_heat": bal["transport"][inplane]}
    nat["thermal_per_T"] = nat["thermal"] / args.T
    natural = nlh.natural_units(tb.length_unit, tb.energy_unit)
    nat_units = {"chi": natural["chi"], "thermal_per_T": natural["thermal_per_T"]}
    si_ok = tb.energy_unit == "eV" and tb.length_unit in ("Angstrom", "nm")
    width = " (2D: current per unit width)"
    if si_ok:
        f = nlh.to_si(tb.length_unit)
        out = {k: v * f["chi" if k == "chi" else "thermal_per_T" if k == "thermal_per_T"
                        else "current"] for k, v in nat.items()}
        units = {"chi": "A m V^-2" + width, "thermal_per_T": "W m V^-2 K^-1" + width}
        cur = "W m V^-2" + width
    else:
        out = dict(nat)
        units = dict(nat_units)
        cur = natural["current"]
    for k in ("energy", "magnetization", "thermal", "transport_heat"):
        units[k] = cur
    units.update({"mu": tb.energy_unit, "T": f"k_B T in {tb.energy_unit}",
                  "index": "[mu][a][b][c], a, b, c = x, y: j_a = chi_abc E_b E_c",
                  "chi_ome_natural": "e^2/hbar * " + tb.length_unit + " (orbital-ME chi_i)"})
    for k, u in nat_units.items():
        units[k + "_natural"] = u
    units["currents_natural"] = natural["current"]
    data = {"mu": mu, **out, "chi_natural": nat["chi"],
            "thermal_per_T_natural": nat["thermal_per_T"],
            "currents_natural": {k: nat[k] for k in ("energy", "magnetization", "thermal",
                                                     "transport_heat")},
            "chi_ome_natural": chi_ome, "T": args.T, "nk": args.nk, "symmetry": symmetry,
            "seconds": elapsed,
            "per_unit_area": "2D response: per unit width of the layer, no vacuum-padded volume"}
    data.update(mu_record(args, tb, mu))
    data["k_resolution"] = resolution
    if si_ok:
        data["T_kelvin"] = args.T / nlh.K_B_EV
    params = {"T": args.T, "mu_min": args.mu_min, "mu_max": args.mu_max, "mu_step": args.mu_step,
              "nk": args.nk, "charge": "electrons (e = -|e|)", "symprec": args.symprec,
              "degen_thresh": args.degen_thresh,
              "degeneracy": degeneracy_record(args, "interband", tb, mu, args.T,
                                              quiet=getattr(args, "quiet", False)),
              "input": tb.parameters if args.seedname else None,
              "position_matrix_used": positions_note or "diagonal (orbital positions)",
              "reference": "Xiao, Ren & Xiong, PRB 103, 115432 (2021), Eqs. 25-31; "
                           "Gao, Yang & Niu, PRL 112, 166601 (2014)"}
    try:
        write_json(args.json, "intrinsic nonlinear Hall / nonlinear anomalous Ettingshausen",
                   data, units, params, system=system_summary(tb))
    except OSError as err:
        raise UserError(f"cannot write {args.json}: {err.strerror}")
    print(f"{tb.name}: {len(mu)} chemical potentials, nk = {args.nk}, {elapsed:.1f} s")
    i = int(np.argmax(np.abs(out["chi"]).reshape(len(mu), -1).max(axis=1)))
    print(f"largest |chi| at mu = {mu[i]:.4g}: chi_yxx = {out['chi'][i, 1, 0, 0]:.4g}, "
          f"chi_xxy = {out['chi'][i, 0, 0, 1]:.4g} {units['chi']}")
    if args.plot:
        plot(args.plot, mu, out["chi"], out, units, f"{tb.name}, k_B T = {args.T:g} {tb.energy_unit}")
    return 0
