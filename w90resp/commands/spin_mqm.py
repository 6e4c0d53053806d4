"""``w90resp spin-mqm``: spin MQM, spin ME and gravito-ME tensors for a chemical-potential scan."""
import time
import warnings

import numpy as np

from ..errors import UserError
from ._common import add_degeneracy_option, degeneracy_record, add_run_options, add_wannier_options, max_memory_bytes, apply_magmoms, mu_grid, mu_record, prepare_wannier_input

NAME = "spin-mqm"
HELP = "spin magnetic quadrupole moment, spin ME and gravito-ME susceptibilities"
DESCRIPTION = (
    "Spin MQM M^i_a (Eq. 8a), spin ME alpha^i_a (19a), Kubo gravito-ME T beta~^i_a (19b) and "
    "corrected gravito-ME T beta^i_a = T beta~ - M (18, 20) of Shitade, Daido & Yanase, as 3x3 "
    "tensors [a = spin][i = field], for mu from --mu-min to --mu-max at temperature --T "
    "(energy units of the Hamiltonian; model units for built-in models, eV for Wannier input). "
    "Built-in models: rashba-fm (Eq. 22 on a fine square lattice; --b, --alpha, --mass, "
    "units m alpha^2 = hbar = 1 by default), rashba-insulator (gapped lattice Rashba-Zeeman "
    "model), and the package's other spinful models.")

LOCAL_MODELS = ("rashba-fm", "rashba-insulator")


def add_arguments(parser):
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", metavar="NAME",
                     help=f"built-in model ({', '.join(LOCAL_MODELS)}, or another spinful model)")
    src.add_argument("--seedname", metavar="PATH", help="Wannier90 seedname (reads _tb.dat/_hr.dat, .win)")
    parser.add_argument("--T", type=float, required=True, metavar="E", help="temperature k_B T (energy)")
    parser.add_argument("--mu-min", type=float, required=True, metavar="E")
    parser.add_argument("--mu-max", type=float, required=True, metavar="E")
    parser.add_argument("--mu-step", type=float, required=True, metavar="E")
    parser.add_argument("--nk", type=int, default=400, help="k points per periodic direction")
    parser.add_argument("--method", choices=["grid", "polar"], default="grid",
                        help="grid: WannierBerri k grid over the Brillouin zone; polar: quadrature "
                             "in polar k around Gamma for rashba-fm (resolves T ~ 1e-3)")
    parser.add_argument("--nk-radial", type=int, default=20000,
                        help="radial points for --method polar")
    parser.add_argument("--units", choices=["natural", "paper", "si"], default="natural",
                        help="natural: q = g mu_B/hbar = hbar = k_B = 1; paper: units of Fig. 1 of "
                             "the paper (Rashba models); si: Wannier input in eV/Angstrom")
    add_degeneracy_option(parser, "interband")
    add_run_options(parser)
    add_wannier_options(parser)
    parser.add_argument("--json", metavar="FILE", required=True, help="output JSON file")
    parser.add_argument("--plot", metavar="FILE", help="PNG with the panels of Figs. 1-2 of the paper")
    parser.add_argument("--plot-mu", type=float, nargs="+", metavar="E",
                        help="chemical potentials of the temperature panel (default: 4 in the scan)")
    parser.add_argument("--plot-tmax", type=float, metavar="E",
                        help="largest temperature of the temperature panel (default 0.05)")
    model = parser.add_argument_group("model parameters")
    model.add_argument("--b", type=float, help="exchange field b of b sigma_z (default 0.5 / 1.5)")
    model.add_argument("--alpha", type=float, help="Rashba constant (default 1 / 0.5)")
    model.add_argument("--mass", type=float, help="mass m of p^2/2m (rashba-fm, default 1)")
    model.add_argument("--lattice-constant", type=float,
                       help="rashba-fm lattice constant (default 0.25/(m alpha))")
    model.add_argument("--order", type=int, help="rashba-fm finite-difference order (default 16)")
    parser.add_argument("--no-symmetry", action="store_true",
                        help="no symmetry in the k-sum (no k-point reduction, results not "
                             "symmetrized)")
    parser.add_argument("--g", type=float, default=2.0, help="spin g factor for --units si")


def load_system(args):
    """The TightBinding selected by --model / --seedname (raises UserError)."""
    if args.model:
        if args.model in LOCAL_MODELS:
            from ..models import rashba
            if args.model == "rashba-fm":
                kw = {k: v for k, v in (("b", args.b), ("alpha", args.alpha), ("mass", args.mass),
                                        ("lattice_constant", args.lattice_constant),
                                        ("order", args.order)) if v is not None}
                fn = rashba.rashba_fm
            else:
                if args.mass is not None or args.lattice_constant is not None or args.order is not None:
                    raise UserError("rashba-insulator takes --b and --alpha only")
                kw = {k: v for k, v in (("b", args.b), ("rashba", args.alpha)) if v is not None}
                fn = rashba.rashba_insulator
            try:
                return fn(**kw)
            except ValueError as err:
                raise UserError(f"model '{args.model}': {err}") from None
        if any(v is not None for v in (args.b, args.alpha, args.mass, args.lattice_constant, args.order)):
            raise UserError(f"--b/--alpha/--mass/--lattice-constant/--order apply to "
                            f"{', '.join(LOCAL_MODELS)} only")
        from ..models import get_model
        return get_model(args.model)
    tb, report = prepare_wannier_input(args)
    tb.parameters = dict(tb.parameters, hamiltonian_symmetrization=report)
    return tb


def plot_figure(path, mu, T, main, tdep, units_label, title=""):
    """PNG with the three panels of Figs. 1-2: (a) T beta~, M, T beta vs mu; (b) alpha,
    (pi^2/3) d alpha/d mu, beta/T vs mu; (c) beta vs T at fixed mu."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.8))
    a0 = ax[0]
    a0.plot(mu, main["Tbeta_kubo"][:, 0, 0], label=r"$T\tilde\beta^x_x$")
    a0.plot(mu, main["M"][:, 0, 0], "--", label=r"$M^x_x$")
    a0.plot(mu, main["Tbeta"][:, 0, 0], label=r"$T\beta^x_x$")
    a0.set_xlabel(r"$\mu$")
    a0.set_title(f"(a) T = {T:g}")
    a0.legend(fontsize=8)
    a1 = ax[1]
    a1.plot(mu, main["alpha"][:, 0, 0], label=r"$\alpha^x_x$")
    if "dalpha_dmu" in main:
        a1.plot(mu, np.pi ** 2 / 3 * main["dalpha_dmu"][:, 0, 0], "--",
                label=r"$(\pi^2/3)\partial\alpha^x_x/\partial\mu$")
    if T > 0:
        a1.plot(mu, main["Tbeta"][:, 0, 0] / T ** 2, ":", label=r"$\beta^x_x/T$")
    a1.set_xlabel(r"$\mu$")
    a1.set_title(f"(b) T = {T:g}")
    a1.legend(fontsize=8)
    a2 = ax[2]
    if tdep is not None:
        for j, m in enumerate(tdep["mu"]):
            a2.plot(tdep["T"], tdep["Tbeta"][:, j, 0, 0] / tdep["T"], "o-", ms=3,
                    label=rf"$\mu$ = {m:g}")
        a2.legend(fontsize=8)
    a2.set_xlabel("T")
    a2.set_ylabel(r"$\beta^x_x$")
    a2.set_title("(c)")
    fig.suptitle(f"{title}  [{units_label}]", fontsize=9)
    fig.tight_layout()
    from ..output import save_figure
    save_figure(fig, path)
    plt.close(fig)


def run(args):
    from ..output import system_summary, write_json
    from ..responses.spin_mqm import QUANTITIES, convert, spin_mqm_response, unit_factors
    if args.T < 0:
        raise UserError("--T must be >= 0")
    if args.nk < 1:
        raise UserError("--nk must be positive")
    tb = load_system(args)
    mu = mu_grid(args, tb=tb)
    if not tb.spinful:
        raise UserError(f"system '{tb.name}' is spinless: the spin MQM needs spinful orbitals")
    if args.magmoms and args.model:
        apply_magmoms(tb, args.magmoms)
    symmetry = not args.no_symmetry
    if symmetry and tb.magnetic_moments is None and tb.atoms:
        print("note: nonmagnetic input (time reversal is a symmetry): the spin MQM, spin ME and "
              "gravito-ME tensors vanish by symmetry; pass --magmoms for a magnet")
    try:
        factors = unit_factors(tb, args.units, g=args.g)
    except ValueError as err:
        raise UserError(str(err)) from None
    if args.method == "polar" and args.model != "rashba-fm":
        raise UserError("--method polar is for the continuum-like model rashba-fm")
    pmu = np.asarray(args.plot_mu if args.plot_mu else
                     np.linspace(mu[0], mu[-1], 6)[1:-1] if len(mu) > 1 else mu, dtype=float)
    tmax = args.plot_tmax if args.plot_tmax else 0.05
    Ts = np.linspace(0, tmax, 11)[1:]

    def compute(mus, T, quantities=None):
        kw = {} if quantities is None else {"quantities": quantities}
        if args.method == "grid":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)   # reported once below
                return spin_mqm_response(tb, mus, T, args.nk, symmetry=symmetry,
                                         symprec=args.symprec, degen_thresh=args.degen_thresh,
                                         max_memory=max_memory_bytes(args),
                                         **kw)
        from ..responses.spin_mqm import polar_response
        p = tb.parameters
        m, al, b = p["mass"], abs(p["alpha"]), abs(p["b"])
        top = max(np.max(mus), 0.0) + b + 40 * np.max(T) + 1.0
        kmax = m * al + np.sqrt((m * al) ** 2 + 2 * m * top)
        try:
            return polar_response(tb, mus, T, kmax, args.nk_radial, n_phi=3, **kw)
        except ValueError as err:
            raise UserError(str(err)) from None

    resolution = None
    if args.method == "grid" and args.T > 0:
        from ..convergence import report as resolution_report
        resolution = resolution_report(tb, mu, args.nk, args.T, "k_B T")
    t0 = time.time()
    res = compute(mu, args.T)
    elapsed = time.time() - t0
    out = convert(res, tb, args.units, g=args.g)
    tdep = None
    if args.plot:
        tdep = convert(compute(pmu, Ts, ("Tbeta",)), tb, args.units, g=args.g)
    data = {"mu": mu, "T": args.T, "index_order": ["mu", "a (spin, axial)", "i (field, polar)"],
            "nk": args.nk, "method": args.method,
            "symmetrized": symmetry and args.method == "grid", "elapsed_seconds": round(elapsed, 3)}
    data.update(mu_record(args, tb, mu))
    data["k_resolution"] = resolution
    for q in QUANTITIES:
        if q in out:
            data[q] = out[q]
    if tdep is not None:
        data["temperature_dependence"] = {"mu": tdep["mu"], "T": tdep["T"], "Tbeta": tdep["Tbeta"]}
    units = {q: lab for q, (_, lab) in factors.items()}
    units["mu"] = units["T"] = tb.energy_unit
    params = {"model": args.model, "seedname": args.seedname, "T": args.T, "mu_min": args.mu_min,
              "mu_max": args.mu_max, "mu_step": args.mu_step, "nk": args.nk, "method": args.method,
              "nk_radial": args.nk_radial if args.method == "polar" else None, "units": args.units,
              "g": args.g, "model_parameters": tb.parameters, "symprec": args.symprec,
              "degen_thresh": args.degen_thresh, "degeneracy": degeneracy_record(args, "interband", tb, mu, args.T, quiet=getattr(args, "quiet", False))}
    try:
        write_json(args.json, "spin MQM / spin ME / gravito-ME (Shitade, Daido, Yanase)", data,
                   units, params, system=system_summary(tb))
    except OSError as err:
        raise UserError(f"cannot write {args.json}: {err.strerror}") from None
    if args.plot:
        try:
            plot_figure(args.plot, mu, args.T, out, tdep, units["alpha"] + "; " + units["M"],
                        title=tb.name)
        except OSError as err:
            raise UserError(f"cannot write {args.plot}: {err.strerror}") from None
    i = len(mu) // 2
    print(f"{tb.name}: {len(mu)} chemical potentials, T = {args.T:g}, nk = {args.nk}, "
          f"{elapsed:.1f} s; at mu = {mu[i]:g}: alpha_xx = {out['alpha'][i, 0, 0]:.6g}, "
          f"M_xx = {out['M'][i, 0, 0]:.6g}, Tbeta_xx = {out['Tbeta'][i, 0, 0]:.6g} ({args.units} units)")
    print(f"wrote {args.json}" + (f" and {args.plot}" if args.plot else ""))
    return 0
