"""``w90resp edelstein``: current-induced (Edelstein) spin and orbital magnetization."""
import time

import numpy as np

from ..errors import UserError
from ._common import add_degeneracy_option, degeneracy_record, add_run_options, add_wannier_options, max_memory_bytes, mu_grid, mu_record

NAME = "edelstein"
HELP = "current-induced (Edelstein) magnetization chi_ab: d<M_a>/V = chi_ab e E_b"
DESCRIPTION = (
    "Current-induced magnetization in the relaxation-time form chi_ab = (1/(V eta)) sum "
    "M_a v_b f' (tau = hbar/eta; w90resp.responses.edelstein Eq. E) or its finite-eta Kubo "
    "form (--kubo full: dissipative part plus the eta-independent reactive part of magnets). "
    "M = S, L (hbar), bloch, orbital, total (mu_B). 2D systems per unit area.")


def add_arguments(p):
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", help="built-in model (see w90resp models)")
    src.add_argument("--seedname", help="Wannier90 seedname (reads SEED_tb.dat or SEED_hr.dat with SEED.win)")
    p.add_argument("--kT", type=float, required=True, help="temperature k_B T (energy unit of H)")
    p.add_argument("--eta", type=float, required=True, help="relaxation rate eta = hbar/tau (energy unit of H)")
    p.add_argument("--mu-min", type=float, required=True, help="lowest chemical potential")
    p.add_argument("--mu-max", type=float, required=True, help="highest chemical potential")
    p.add_argument("--mu-step", type=float, required=True, help="chemical-potential step")
    p.add_argument("--nk", type=int, default=96, help="k-points per periodic direction")
    p.add_argument("--moments", default="S,L", help="comma-separated: S, L, bloch, orbital, total")
    p.add_argument("--kubo", choices=["intraband", "full"], default="intraband",
                   help="intraband: the 1/eta Boltzmann form; full: all band pairs at finite eta")
    p.add_argument("--units", choices=["natural", "si"], default=None,
                   help="natural: (moment)/(energy x length) per area (2D), e = hbar = 1; si: (moment) "
                        "nm^-2 per V/m (nm^-3 in 3D). Default: si for eV/Angstrom input")
    p.add_argument("--g-spin", type=float, default=2.0023, help="spin g-factor for --moments total")
    p.add_argument("--bloch-to-muB", type=float, default=None, help="mu_B per natural Bloch-moment unit (models)")
    p.add_argument("--no-symmetry", action="store_true", help="no point-group reduction or symmetrization")
    p.add_argument("--workers", type=int, default=None, help="local Ray workers (w90resp[parallel])")
    p.add_argument("--ray-address", default=None, help="an existing Ray cluster")
    p.add_argument("--json", required=True, help="output JSON file")
    add_degeneracy_option(p, "group")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    add_run_options(p)
    add_wannier_options(p)


def run(args):
    from .. import runner
    from ..output import system_summary, write_json
    from ..responses.edelstein import edelstein_response
    from ..units import edelstein_units
    from .fcim import load_system
    if args.kT <= 0 or args.eta <= 0:
        raise UserError("--kT and --eta must be positive")
    tb, sym_report = load_system(args, quiet=args.quiet)
    moments = [m.strip() for m in args.moments.split(",") if m.strip()]
    if "S" in moments and not tb.spinful:
        raise UserError("--moments S: the Hamiltonian is spinless")
    units = args.units or ("si" if tb.energy_unit == "eV" else "natural")
    factor, per = edelstein_units(tb, units)
    mu = mu_grid(args, tb=tb)
    parallel = bool(args.workers or args.ray_address)
    if parallel:
        runner.start_parallel(args.workers, args.ray_address)
    t0 = time.perf_counter()
    if not args.quiet:
        print(f"w90resp edelstein: {tb.name}, {tb.num_wann} orbitals, {runner.grid_label(tb, args.nk)} "
              f"k-grid, {len(mu)} chemical potentials")
    try:
        res, mom_units = edelstein_response(
            tb, mu, args.kT, args.eta, args.nk, moments, args.kubo, symmetry=not args.no_symmetry,
            progress=not args.quiet, degen_thresh=args.degen_thresh, parallel=parallel,
            g_spin=args.g_spin, bloch_to_muB=args.bloch_to_muB, max_memory=max_memory_bytes(args))
    except ValueError as err:
        raise UserError(str(err)) from None
    elapsed = time.perf_counter() - t0
    data = {"mu": mu, "kT": args.kT, "eta": args.eta, "index_order": "[mu][a][b], a = moment, b = field"}
    data.update(mu_record(args, tb, mu))
    data.update({k: v * factor for k, v in res.items()})
    units_doc = {f"chi [{k}]": f"{mom_units[k.split('_')[0]]} {per}" for k in res}
    units_doc["mu, kT, eta"] = tb.energy_unit
    params = {"nk": args.nk, "kT": args.kT, "eta": args.eta, "moments": moments, "kubo": args.kubo,
              "symmetry": not args.no_symmetry, "elapsed_seconds": round(elapsed, 2),
              "degen_thresh": args.degen_thresh, "degeneracy": degeneracy_record(args, "group"), "hamiltonian_symmetrization": sym_report,
              "normalization": "per unit area" if tb.dimension == 2 else "per unit volume",
              "formula": "w90resp.responses.edelstein Eq. (E) (tau = hbar/eta)",
              "input": tb.parameters if args.seedname else None}
    write_json(args.json, "current-induced magnetization chi_ab", data, units_doc, params,
               system_summary(tb))
    if not args.quiet:
        for k, v in res.items():
            print(f"largest |chi [{k}]| = {np.abs(v).max() * factor:.4g} {units_doc[f'chi [{k}]']}")
        print(f"done in {elapsed:.1f} s; wrote {args.json}")
    return 0
