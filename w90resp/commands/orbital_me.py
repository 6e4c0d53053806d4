"""``w90resp orbital-me``: intrinsic orbital magnetoelectric and magnetothermal responses (2D)."""
import time

import numpy as np

from ..errors import UserError
from ._common import prepare_2d_interband_run, add_degeneracy_option, degeneracy_record, add_run_options, add_wannier_options, max_memory_bytes, mu_record

NAME = "orbital-me"
HELP = "intrinsic orbital magnetoelectric chi and magnetothermal alpha of a 2D system"
DESCRIPTION = (
    "chi^int_i (Eq. 8) and alpha^int_i (Eq. 9) of Xiao, Liu, Zhao, Yang & Niu, PRB 103, "
    "045401: Delta M_z = chi.(E - grad mu/e) - alpha.grad T, per unit area, for mu from "
    "--mu-min to --mu-max at temperature --T (k_B T in the energy unit of the Hamiltonian: eV "
    "for Wannier input and for pt-afm). JSON: mu, chi, alpha ([mu][i], i = x, y), in "
    "mu_B nm^-2 per (V/m) and per (K/m) for eV/Angstrom systems (natural units e^2/hbar*L and "
    "|e| k_B/hbar*L otherwise; the natural values are always stored as chi_natural, "
    "alpha_natural). Built-in models: pt-afm (PT-symmetric AFM bilayer), honeycomb "
    "(Eq. 22 of Xiao, Ren & Xiong; time-reversal symmetric, so chi = alpha = 0), and the "
    "package's other 2D models.")

LOCAL_MODELS = ("pt-afm", "honeycomb")


def add_arguments(parser):
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", metavar="NAME", help=f"built-in model ({', '.join(LOCAL_MODELS)}, ...)")
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
    parser.add_argument("--plot", metavar="FILE", help="PNG of chi and alpha versus mu")


def plot(path, mu, chi, alpha, units, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.6))
    for a, data, name in ((ax[0], chi, r"\chi"), (ax[1], alpha, r"\alpha")):
        a.plot(mu, data[:, 0], label=rf"${name}_x$")
        a.plot(mu, data[:, 1], "--", label=rf"${name}_y$")
        a.axhline(0, color="0.7", lw=0.5)
        a.set_xlabel(r"$\mu$")
        a.legend(fontsize=8)
    ax[0].set_ylabel(units["chi"], fontsize=8)
    ax[1].set_ylabel(units["alpha"], fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    from ..output import save_figure
    save_figure(fig, path)
    plt.close(fig)


def run(args):
    from .. import runner
    from ..output import system_summary, write_json
    from ..responses import orbital_me as om
    tb, mu, symmetry, positions_note = prepare_2d_interband_run(
        args, 'chi^int and alpha^int are defined per unit area for 2D systems',
        'chi and alpha vanish',
        "the orbital-ME family uses orbital positions only (the file's off-diagonal r_mn(R) "
        "is not used: Eq. 11 would need its k-derivatives)")
    kw = {"degen_thresh": args.degen_thresh}
    from ..convergence import report as resolution_report
    # the Fermi-surface form of the metric-dipole term needs about twice the resolution of a
    # plain Fermi factor (pt-afm, k_B T = 5 meV: 8 % off at nk 192, 1e-4 at 384)
    resolution = resolution_report(tb, mu, args.nk, 0.5 * args.T, "k_B T/2", kT=args.T)
    t0 = time.time()
    calcs = om.calculators(mu, args.T, tb.cell_measure, quantities=("chi", "alpha"), **kw)
    res = runner.run(tb, calcs, args.nk, symmetry=symmetry, symprec=args.symprec,
                     max_memory=max_memory_bytes(args))
    chi_nat = res["chi"][:, 2, :2]
    alpha_nat = res["alpha"][:, 2, :2]
    elapsed = time.time() - t0
    natural = om.natural_units(tb.length_unit, tb.energy_unit)
    si_ok = tb.energy_unit == "eV" and tb.length_unit in ("Angstrom", "nm")
    if si_ok:
        si = om.to_si(chi_nat, alpha_nat, tb.length_unit)
        chi, alpha = si["chi"], si["alpha"]
        chi_ohm = si["chi_nm_per_ohm"]
        units = {"chi": "mu_B nm^-2 per (V/m)", "alpha": "mu_B nm^-2 per (K/m)"}
    else:
        chi, alpha = chi_nat, alpha_nat
        units = {"chi": natural["chi"], "alpha": natural["alpha"]}
    units.update({"mu": tb.energy_unit, "T": f"k_B T in {tb.energy_unit}",
                  "chi_natural": natural["chi"], "alpha_natural": natural["alpha"],
                  "chi_nm_per_ohm": "nm/Ohm (= mu_B nm^-2 per V/m x mu_B/(A m^2) x 1e27)",
                  "index": "[mu][i], i = x, y (Delta M_z = chi_i E_i - alpha_i d_i T)"})
    data = {"mu": mu, "chi": chi, "alpha": alpha, "chi_natural": chi_nat,
            **({"chi_nm_per_ohm": chi_ohm} if si_ok else {}),
            "alpha_natural": alpha_nat, "T": args.T, "nk": args.nk, "symmetry": symmetry,
            "seconds": elapsed}
    data.update(mu_record(args, tb, mu))
    data["k_resolution"] = resolution
    if si_ok:
        data["T_kelvin"] = args.T / om.K_B_EV
    params = {"T": args.T, "mu_min": args.mu_min, "mu_max": args.mu_max, "mu_step": args.mu_step,
              "nk": args.nk, "charge": "electrons (e = -|e|)", "symprec": args.symprec,
              "degen_thresh": args.degen_thresh, "degeneracy": degeneracy_record(args, "interband", tb, mu, args.T, quiet=getattr(args, "quiet", False)),
              "input": tb.parameters if args.seedname else None,
              "position_matrix_used": positions_note or "diagonal (orbital positions)",
              "reference": "Xiao, Liu, Zhao, Yang, Niu, PRB 103, 045401 (2021), Eqs. 7-11"}
    try:
        write_json(args.json, "intrinsic orbital magnetoelectric / magnetothermal response",
                   data, units, params, system=system_summary(tb))
    except OSError as err:
        raise UserError(f"cannot write {args.json}: {err.strerror}")
    print(f"{tb.name}: {len(mu)} chemical potentials, nk = {args.nk}, {elapsed:.1f} s")
    i = int(np.argmax(np.abs(chi[:, 0]) + np.abs(chi[:, 1])))
    print(f"largest |chi| at mu = {mu[i]:.4g}: chi = ({chi[i, 0]:.4g}, {chi[i, 1]:.4g}) {units['chi']}")
    if args.plot:
        plot(args.plot, mu, chi, alpha, units, f"{tb.name}, k_B T = {args.T:g} {tb.energy_unit}")
    return 0
