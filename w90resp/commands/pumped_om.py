"""``w90resp pumped-om``: orbital magnetization pumped by a rotating-atom (chiral phonon) cycle."""
import time

import numpy as np

from ..errors import UserError
from ._common import add_degeneracy_option, degeneracy_record

NAME = "pumped-om"
HELP = "orbital magnetization pumped by an adiabatic periodic cycle (2D insulators)"
DESCRIPTION = (
    "Instantaneous induced orbital moment and its period average (Xiao, Ren & Xiong, PRB 103, "
    "115432, Eqs. 8, 20-21) for the honeycomb model with rotating atoms (Eqs. 22-24; t0 = 1 is "
    "the energy unit). JSON: t_over_T, moment (instantaneous), pumped (period average), both "
    "the moment carried by an area a^2 (a = sqrt3 a0) in (e t0/hbar) a^2 (hbar omega/t0) for "
    "electrons, and pumped_muB in mu_B hbar omega/t0 with (|e| t0/hbar) a^2 = 4.77 mu_B "
    "(t0 = 3 eV, a = 2.46 Angstrom). The chemical potential is put in the middle of the gap.")


def add_arguments(parser):
    parser.add_argument("--model", required=True, choices=["honeycomb-phonon"],
                        help="periodic adiabatic cycle")
    parser.add_argument("--delta", type=float, required=True, metavar="E", help="staggered potential Delta")
    parser.add_argument("--t1", type=float, required=True, metavar="E", help="second-neighbour hopping t1")
    parser.add_argument("--dt0", type=float, required=True, metavar="E",
                        help="hopping modulation delta t0 of the rotation (Eq. 24)")
    parser.add_argument("--nk", type=int, default=96, help="k points per direction")
    parser.add_argument("--nt", type=int, default=24, help="times per period")
    add_degeneracy_option(parser, "interband")
    parser.add_argument("--json", metavar="FILE", required=True, help="output JSON file")
    parser.add_argument("--plot", metavar="FILE", help="PNG of the moment over one period")


def plot(path, t, moment, pumped, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.plot(np.append(t, 1.0), np.append(moment, moment[0]), "o-", ms=3, label="M(t)")
    ax.axhline(pumped, color="C3", ls="--", label=f"average {pumped:.3e}")
    ax.set_xlabel("t / T")
    ax.set_ylabel(r"moment on $a^2$ [$(|e|t_0/\hbar)a^2\,\hbar\omega/t_0$]", fontsize=8)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    from ..output import save_figure
    save_figure(fig, path)
    plt.close(fig)


def run(args):
    from ..models.honeycomb_phonon import honeycomb_phonon_cycle
    from ..output import write_json
    from ..responses.pumped import MUB_PER_NATURAL, pumped_moment
    if args.nk < 6 or args.nt < 3:
        raise UserError("--nk must be >= 6 and --nt >= 3")
    if args.delta == 0:
        raise UserError("--delta 0 closes the gap at K: the pumped magnetization needs an insulator")
    try:
        cycle = honeycomb_phonon_cycle(t0=1.0, t1=args.t1, delta=args.delta, dt0=args.dt0)
        t0 = time.time()
        res = pumped_moment(cycle, nk=args.nk, nt=args.nt, degen_thresh=args.degen_thresh)
    except ValueError as err:
        raise UserError(str(err)) from None
    elapsed = time.time() - t0
    pumped = res["pumped"]
    units = {"t_over_T": "1", "moment": "(|e| t0/hbar) a^2 (hbar omega/t0), moment on an area a^2",
             "pumped": "(|e| t0/hbar) a^2 (hbar omega/t0), moment on an area a^2",
             "pumped_muB": "mu_B (hbar omega/t0), with (|e| t0/hbar) a^2 = 4.77 mu_B",
             "mu": "t0"}
    data = {"t_over_T": res["t_over_T"], "moment": res["moment"], "pumped": pumped,
            "pumped_muB": pumped * MUB_PER_NATURAL, "mu": res["mu"], "gap": res["gap"],
            "nk": args.nk, "nt": args.nt, "seconds": elapsed,
            "degeneracy": degeneracy_record(args, "interband")}
    params = {"model": args.model, "t0": 1.0, "delta": args.delta, "t1": args.t1, "dt0": args.dt0,
              "charge": "electrons (e = -|e|)", "rotation": "u_A = u0 (cos wt, sin wt), u_B = -u_A",
              "reference": "Xiao, Ren, Xiong, PRB 103, 115432 (2021), Eqs. 8, 20-24"}
    try:
        write_json(args.json, "pumped orbital magnetization", data, units, params)
    except OSError as err:
        raise UserError(f"cannot write {args.json}: {err.strerror}")
    print(f"pumped orbital moment per period: {pumped:.5g} (|e| t0/hbar) a^2 hbar omega/t0 "
          f"= {pumped * MUB_PER_NATURAL:.4g} mu_B hbar omega/t0  (nk = {args.nk}, nt = {args.nt}, "
          f"{elapsed:.1f} s)")
    if args.plot:
        plot(args.plot, res["t_over_T"], res["moment"], pumped,
             f"Delta = {args.delta:g}, t1 = {args.t1:g}, dt0 = {args.dt0:g}")
    return 0
