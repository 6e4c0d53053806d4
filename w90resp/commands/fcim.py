"""``w90resp fcim``: flexocurrent-induced magnetization of a model or Wannier Hamiltonian."""
import time

import numpy as np

from ..errors import UserError
from ._common import add_degeneracy_option, degeneracy_record, add_run_options, add_wannier_options, max_memory_bytes, apply_magmoms, mu_grid, mu_record, prepare_wannier_input
from . import _fcim_vertex

NAME = "fcim"
HELP = "flexocurrent-induced magnetization f^lambda_{alpha beta}/g_lambda (FCIM paper Eqs. 32-34)"
DESCRIPTION = (
    "Flexocurrent-induced magnetization: the magnetization M_alpha = f^lambda_{alpha beta} "
    "grad_beta eps_lambda driven by a strain gradient through the electric-quadrupole "
    "coupling g_lambda eps_lambda Q_lambda (Koyama, Koretsune, Hattori, Eqs. 8, 32-34). "
    "Outputs f/g_lambda for M = L (atomic orbital angular momentum) and S (spin), all "
    "alpha, beta in (x, y, z) and lambda in (x2-y2, 3z2-r2, xy, yz, xz). Energies (kT, "
    "eta, mu) are in the Hamiltonian's unit: eV for Wannier90 input and mos2, the "
    "hopping unit for decorated-square. 2D systems are reported per unit area."
)


def add_arguments(p):
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", help="built-in model: decorated-square (C4v, model units) or mos2 (eV, Angstrom)")
    src.add_argument("--seedname", help="Wannier90 seedname (reads SEED_tb.dat or SEED_hr.dat with SEED.win)")
    p.add_argument("--kT", type=float, required=True, help="temperature k_B T (energy unit of the Hamiltonian)")
    p.add_argument("--eta", type=float, required=True, help="damping eta (energy unit of the Hamiltonian)")
    p.add_argument("--mu-min", type=float, required=True, help="lowest chemical potential (energy unit)")
    p.add_argument("--mu-max", type=float, required=True, help="highest chemical potential (energy unit)")
    p.add_argument("--mu-step", type=float, required=True, help="chemical-potential step (energy unit)")
    p.add_argument("--nk", type=int, default=96, help="k-points per periodic direction (N x N for 2D)")
    p.add_argument("--units", choices=["natural", "ev-angstrom", "si"], default=None,
                   help="natural: hbar=1, energy unit of H, lengths in |a1| (FCIM paper); "
                        "ev-angstrom: hbar/(eV A) per area; si: s/m per area. "
                        "Default: natural for dimensionless models, ev-angstrom otherwise")
    p.add_argument("--moments", default="L,S",
                   help="comma-separated moments: L, S (atomic orbital and spin angular momentum, "
                        "hbar), bloch (Bloch orbital moment, FCIM paper Eq. 48), orbital "
                        "(bloch - mu_B L) and total (bloch - mu_B (L + g S)); the last three are "
                        "magnetic moments in mu_B")
    p.add_argument("--moment", dest="moments", help="alias of --moments")
    p.add_argument("--kubo", choices=["intraband", "full"], default="intraband",
                   help="intraband: Eq. (34) (the 1/eta part); full: finite-eta Kubo-Bastin form "
                        "of Eqs. (B1), (B6) with all band pairs, written as the dissipative "
                        "part (keys L, S, ...) and the eta-independent reactive part "
                        "(L_reactive, ...: nonzero only in magnets)")
    p.add_argument("--g-spin", type=float, default=2.0023, help="spin g-factor for --moments total")
    p.add_argument("--bloch-to-muB", type=float, default=None,
                   help="mu_B per natural unit of the Bloch moment (needed for orbital/total on "
                        "dimensionless models; automatic for eV/Angstrom Hamiltonians)")
    p.add_argument("--split", action="store_true",
                   help="also write the quadrupole-current (Eq. 32) and torque (Eq. 33) parts")
    p.add_argument("--quadrupole-species", default=None,
                   help="comma-separated species carrying Q_lambda (default: model's choice; all p, d shells for Wannier input)")
    p.add_argument("--no-symmetry", action="store_true", help="do not use the point group (no K-point reduction or symmetrization)")
    p.add_argument("--workers", type=int, default=None,
                   help="run the k-sum on N local Ray worker processes (needs w90resp[parallel])")
    p.add_argument("--ray-address", default=None,
                   help="use an existing Ray cluster instead (e.g. 'auto' on a cluster node)")
    p.add_argument("--json", required=True, help="output JSON file")
    p.add_argument("--plot", default=None, help="output PNG: f_{alpha x}^lambda/g_lambda vs mu (Fig. 3 g-l layout)")
    add_degeneracy_option(p, "group")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    add_run_options(p)
    add_wannier_options(p)
    _fcim_vertex.add_arguments(p)


def load_system(args, quiet=False):
    """(tb, symmetrization report or None) from --model or --seedname."""
    if args.model:
        from ..models import get_model
        tb = get_model(args.model)
        if args.magmoms:
            apply_magmoms(tb, args.magmoms)
        return tb, None
    return prepare_wannier_input(args, quiet=quiet)


def run(args):
    from ..output import write_json, system_summary
    from ..plots import plot_fcim
    from .. import runner
    from ..responses.fcim import fcim_calculators
    from ..responses.bloch_moment import MOMENTS as BLOCH_MOMENTS, fcim_bloch_calculators, moment_matrix_for
    from ..responses.fcim_kubo import fcim_kubo_calculators
    from ..operators import LAMBDAS, cartesian_to_lambda
    from ..units import fcim_units

    if args.kT <= 0 or args.eta <= 0:
        raise UserError("--kT and --eta must be positive")
    if args.nk < 2:
        raise UserError("--nk must be at least 2")
    tb, sym_report = load_system(args, quiet=args.quiet)
    if args.quadrupole_species:
        species = {s.strip() for s in args.quadrupole_species.split(",")}
        known = {o.species for o in tb.orbitals}
        if not species <= known:
            raise UserError(f"--quadrupole-species {sorted(species - known)} not in the system ({sorted(known)})")
        tb.quadrupole_sites = lambda o, species=species: o.species in species
    moments = [m.strip() for m in args.moments.split(",") if m.strip()]
    for m in moments:
        if m not in ("L", "S") + BLOCH_MOMENTS:
            raise UserError(f"unknown moment '{m}' (L, S, {', '.join(BLOCH_MOMENTS)})")
    if "S" in moments and not tb.spinful:
        raise UserError("spin response requested but the Hamiltonian is spinless")
    units = args.units or ("natural" if tb.energy_unit != "eV" else "ev-angstrom")
    factor, unit_label = fcim_units(tb, units)
    mu = mu_grid(args, tb=tb)
    if args.strain_vertex:
        return _fcim_vertex.run(args, tb, sym_report, mu, moments)
    parts = ("total", "current", "torque") if args.split else ("total",)
    t0 = time.perf_counter()
    if not args.quiet:
        print(f"w90resp fcim: {tb.name}, {tb.num_wann} orbitals, {runner.grid_label(tb, args.nk)} k-grid, "
              f"{len(mu)} chemical potentials")
    parallel = bool(args.workers or args.ray_address)
    if parallel:
        from ..runner import start_parallel
        try:
            ncpu = start_parallel(args.workers, args.ray_address)
        except ImportError as err:
            raise UserError(str(err)) from None
        if not args.quiet:
            print(f"Ray: {ncpu} CPUs")
    magnetic = [m for m in moments if m in BLOCH_MOMENTS]
    if magnetic and units == "si":
        raise UserError("--units si is for angular momenta (L, S); use natural or ev-angstrom with "
                        f"{', '.join(magnetic)}")
    unit_labels = {m: unit_label for m in moments if m not in BLOCH_MOMENTS}
    try:
        if args.kubo == "full":
            # the reactive (eta-independent) part: zero by time reversal in a nonmagnet,
            # what a magnet adds to the dissipative 1/eta response
            kparts = parts + (("interband",) if args.split else ()) + ("reactive",)
            calcs = fcim_kubo_calculators(tb, mu, args.kT, args.eta, moments, kparts,
                                          degen_thresh=args.degen_thresh,
                                          g_spin=args.g_spin, bloch_to_muB=args.bloch_to_muB)
            for m in magnetic:
                unit_labels[m] = unit_label.replace("hbar", moment_matrix_for(
                    tb, m, args.g_spin, args.bloch_to_muB)[1])
        else:
            calcs = fcim_calculators(tb, mu, args.kT, args.eta,
                                     [m for m in moments if m not in BLOCH_MOMENTS], parts,
                                     degen_thresh=args.degen_thresh)
            if magnetic:
                bcalcs, bunits = fcim_bloch_calculators(tb, mu, args.kT, args.eta, magnetic, parts,
                                                        degen_thresh=args.degen_thresh,
                                                        g_spin=args.g_spin, bloch_to_muB=args.bloch_to_muB)
                calcs.update(bcalcs)
                for m in magnetic:
                    unit_labels[m] = unit_label.replace("hbar", bunits[m])
    except ValueError as err:
        raise UserError(str(err)) from None
    if args.kubo == "intraband":
        from ..responses.fcim import eq34_validity
        close = eq34_validity(tb, mu, args.kT, args.eta, args.degen_thresh, nk=min(args.nk, 24))
        if close.max() > 0.05 and not args.quiet:
            i = int(np.argmax(close))
            print(f"note: at mu = {mu[i]:g}, {100 * close[i]:.0f} % of the Fermi-surface weight is "
                  f"on bands split by less than eta = {args.eta:g} from a partner: Eq. (34) "
                  f"assumes splittings >> eta there; compare with --kubo full")
    else:
        close = None
    from ..convergence import report as resolution_report
    resolution = {"eta": resolution_report(tb, mu, args.nk, args.eta, "eta", "lorentz",
                                           kT=args.kT, quiet=args.quiet)}
    if resolution["eta"]["share_unresolved"].max() <= 0.25:
        resolution["kT"] = resolution_report(tb, mu, args.nk, args.kT, "kT", quiet=args.quiet)
    raw = runner.run(tb, calcs, args.nk, symmetry=not args.no_symmetry, progress=not args.quiet,
                     parallel=parallel, symprec=args.symprec,
                     max_memory=max_memory_bytes(args))
    res = {k: cartesian_to_lambda(v) for k, v in raw.items()}
    elapsed = time.perf_counter() - t0
    data = {"mu": mu, "lambda": list(LAMBDAS), "kT": args.kT, "eta": args.eta,
            "index_order": "[mu][alpha][beta][lambda], alpha = moment component, beta = gradient direction"}
    data.update(mu_record(args, tb, mu))
    if close is not None:
        data["fermi_weight_split_below_eta"] = close
    data["k_resolution"] = resolution
    for key, val in res.items():
        data[key] = val * factor
    params = {"nk": args.nk, "kT": args.kT, "eta": args.eta, "moments": moments,
              "symmetry": not args.no_symmetry, "elapsed_seconds": round(elapsed, 2),
              "energy_unit": tb.energy_unit, "normalization": "per unit area" if tb.dimension == 2 else "per unit volume",
              "formula": "Koyama, Koretsune, Hattori FCIM Eq. (34); parts Eqs. (32), (33)",
              "hamiltonian_symmetrization": sym_report, "kubo": args.kubo,
              "symprec": args.symprec, "degen_thresh": args.degen_thresh, "degeneracy": degeneracy_record(args, "group"), "input": tb.parameters if args.seedname else None,
              "g_spin": args.g_spin, "bloch_to_muB": args.bloch_to_muB,
              "kubo_formula": ("Eq. (34) intraband" if args.kubo == "intraband" else
                               "finite-eta Kubo-Bastin, Eqs. (B1)+(B6), all band pairs")}
    units_doc = {"f/g": unit_label, "mu, kT, eta": tb.energy_unit}
    units_doc.update({f"f/g [{m}]": lab for m, lab in unit_labels.items()})
    write_json(args.json, "FCIM f^lambda_{alpha beta}/g_lambda (dissipative)", data,
               units_doc, params, system_summary(tb))
    if args.plot:
        plot_fcim(mu, {k: res[k] * factor for k in moments}, args.plot, moments=moments,
                  title=f"FCIM of {tb.name}, kT = {args.kT:g}, eta = {args.eta:g}",
                  unit_label=unit_labels, mu_label=f"mu ({tb.energy_unit})")
    if not args.quiet:
        largest = {k: float(np.abs(v).max() * factor) for k, v in res.items()}
        print(f"done in {elapsed:.1f} s; largest |f/g|: "
              + ", ".join(f"{k}: {v:.4g} {unit_labels.get(k.split('_')[0], unit_label)}"
                          for k, v in largest.items()))
        print(f"wrote {args.json}" + (f" and {args.plot}" if args.plot else ""))
    return 0
