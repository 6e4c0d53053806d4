"""Pieces shared by the sub-commands: Wannier input options, chemical-potential grids,
magnetic moments."""
import numpy as np

from ..errors import UserError

#: spglib tolerance (Angstrom) shared by the symmetry table and the Hamiltonian symmetrizer
from ..symmetry.structure import DEFAULT_SYMPREC


def default_max_memory_gb():
    """A quarter of the machine's RAM, in GB (4 GB if it cannot be read)."""
    import os
    try:
        return 0.25 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError, AttributeError):
        return 4.0


def add_run_options(parser):
    """Options of the k-sum itself shared by the response commands."""
    parser.add_argument("--max-memory", type=float, default=round(default_max_memory_gb(), 1),
                        metavar="GB", help="memory one FFT chunk of the k-sum may use; sets the "
                                           "chunk size in 2D and 3D (default: 1/4 of the RAM)")


def add_degeneracy_option(parser, kind):
    """``--degen-thresh``: the one degeneracy option of every response command.

    kind 'interband' (orbital ME, spin MQM, pumped OM): the crossover scale Gamma of the
    smooth regulator (``_bands.pair_factors``); kind 'group' (FCIM, Edelstein): bands
    closer than this are one degenerate group whose traces replace the band diagonals.
    """
    from ..responses._bands import DEGEN_THRESH, PAIR_SCALE
    if kind == "interband":
        parser.add_argument(
            "--degen-thresh", type=float, default=PAIR_SCALE, metavar="E",
            help="crossover splitting (energy unit of H) of the interband sums: pairs split "
                 "by much less are one degenerate group (covariant trace), pairs split by "
                 "much more keep the 1/(e_n - e_m) terms; smooth in between (default "
                 f"{PAIR_SCALE:g})")
    else:
        parser.add_argument(
            "--degen-thresh", type=float, default=DEGEN_THRESH, metavar="E",
            help="bands closer than this (energy unit of H) form one degenerate group "
                 f"(default {DEGEN_THRESH:g})")


def degeneracy_record(args, kind, tb=None, mu=None, kT=None, quiet=True):
    """JSON record of the degeneracy policy of a run.

    For the interband families with ``tb``, ``mu``, ``kT``: the share of the
    Fermi-surface weight on bands whose nearest partner lies in the crossover zone
    [Gamma/10, 10 Gamma] of the regulator, where the result depends on Gamma (a note is
    printed above 5 %).
    """
    if kind == "interband":
        rule = ("1/(e_m - e_n) -> Delta^3/(Delta^4 + Gamma^4), Gamma = degen_thresh; "
                "block terms weighted Gamma^4/(Delta^4 + Gamma^4)")
    else:
        rule = "bands closer than degen_thresh form one group (traces over the group)"
    rec = {"degen_thresh": args.degen_thresh, "rule": rule}
    if kind == "interband" and tb is not None and kT and args.degen_thresh > 0:
        from ..convergence import close_pair_share
        g = args.degen_thresh
        share = close_pair_share(tb, mu, kT, g / 10, 10 * g, nk=min(getattr(args, "nk", 24), 24))
        rec["share_in_crossover"] = share
        if share.max() > 0.05 and not quiet:
            i = int(np.argmax(share))
            print(f"note: at mu = {mu[i]:g}, {100 * share[i]:.0f} % of the Fermi-surface weight "
                  f"is on bands split from a partner by {g / 10:g}..{10 * g:g} (the crossover of "
                  f"--degen-thresh {g:g}): compare runs with a smaller and a larger --degen-thresh")
    return rec


def max_memory_bytes(args):
    v = getattr(args, "max_memory", None)
    return None if v is None else float(v) * 1e9


def add_wannier_options(parser):
    """The options every command takes for ``--seedname`` input (README, 'Wannier input')."""
    g = parser.add_argument_group("Wannier90 input (with --seedname)")
    g.add_argument("--spin-order", choices=["auto", "interlaced", "block"], default="auto",
                   help="order of spinor Wannier functions: interlaced (up, down per orbital; "
                        "Wannier90 + QE) or block (all up, then all down; VASP). auto: told "
                        "from H(R) (time reversal, spin-mixing weight), then the centres")
    g.add_argument("--structure", metavar="FILE",
                   help="structure file (POSCAR, QE input/output, cif, ... anything ASE reads) "
                        "when there is no SEED.win; needs --projections")
    g.add_argument("--projections", metavar="SPEC",
                   help="Wannier90 projections with --structure, entries separated by ';', "
                        "e.g. 'Mo:d;S:p' or 'Ga:sp3;As:sp3'")
    g.add_argument("--positions", choices=["auto", "full", "diagonal"], default="auto",
                   help="position matrix r_mn(R): full (a _tb.dat's whole matrix; default when "
                        "present) or diagonal (orbital positions only)")
    g.add_argument("--fermi-energy", type=float, metavar="E",
                   help="Fermi level E_F in eV (default: fermi_energy of SEED.win, if any)")
    g.add_argument("--fermi-from", metavar="FILE",
                   help="read E_F from a DFT output (QE scf/nscf output, OUTCAR, .wout, .win)")
    g.add_argument("--mu-relative", action="store_true",
                   help="--mu-min/--mu-max are relative to E_F (the JSON keeps absolute mu and E_F)")
    g.add_argument("--magmoms", type=float, nargs="+", metavar="M",
                   help="magnetic moments of the atoms: one z value or three numbers per atom "
                        "(in .win atom order). Sets the magnetic space group used to "
                        "symmetrize H(R) and the k-sum; without it the input is taken as "
                        "nonmagnetic (time reversal), and refused if H(R) shows an exchange "
                        "splitting")
    g.add_argument("--no-symmetrize-hamiltonian", action="store_true",
                   help="keep a Wannier Hamiltonian as read (by default it is projected onto "
                        "its space group + time reversal, or its magnetic group with "
                        "--magmoms, and the removed part is reported)")
    g.add_argument("--symmetrize-tolerance", type=float, default=None, metavar="E",
                   help="largest symmetry-breaking part of H(R) (eV) the symmetrizer may remove "
                        "before the run stops (default: max(0.02, 1%% of max|H|))")
    g.add_argument("--symprec", type=float, default=DEFAULT_SYMPREC, metavar="A",
                   help=f"spglib tolerance in Angstrom for every symmetry step "
                        f"(default {DEFAULT_SYMPREC:g})")


def read_seedname(seedname, args=None, quiet=False):
    """A TightBinding from Wannier90 files with the options of :func:`add_wannier_options`;
    reading problems become one-line errors.  Prints what the reader decided."""
    from ..io.wannier90 import load_wannier90
    kw = {}
    if args is not None:
        if (getattr(args, "structure", None) is None) != (getattr(args, "projections", None) is None):
            raise UserError("--structure and --projections go together")
        kw = dict(spin_order=args.spin_order, structure=args.structure,
                  projections=args.projections, position_matrix=args.positions,
                  fermi_energy=args.fermi_energy, fermi_from=args.fermi_from)
        if args.fermi_energy is not None and args.fermi_from is not None:
            raise UserError("give --fermi-energy or --fermi-from, not both")
    try:
        tb = load_wannier90(seedname, **kw)
    except UserError:
        raise
    except (OSError, ValueError) as err:
        raise UserError(f"cannot read Wannier90 data '{seedname}': {err}") from None
    if not quiet:
        for line in input_report(tb):
            print(line)
    return tb


def input_report(tb):
    """Lines saying what the reader assumed about the files (spin order, cells, basis, ...)."""
    p = tb.parameters
    out = [f"read {p.get('source', tb.name)}: {tb.num_wann} Wannier functions, "
           f"{'2D slab (responses per unit area)' if tb.dimension == 2 else '3D crystal'}"]
    if "spin_order" in p:
        out.append(f"  spinor order: {p['spin_order']} ({p.get('spin_order_reason', '')})")
    for key in ("mdrs", "home_cells", "basis"):
        if key in p:
            out.append(f"  {key.replace('_', ' ')}: {p[key]}")
    if "position_matrix" in p:
        out.append(f"  position matrix: {p['position_matrix']}")
    if "fermi_energy" in p:
        out.append(f"  Fermi level: {p['fermi_energy']:.6f} eV ({p['fermi_energy_source']})")
    for note in p.get("notes", []):
        out.append(f"  note: {note}")
    return out


def mu_grid(args, max_points=20000, tb=None):
    """--mu-min .. --mu-max in steps of --mu-step (both ends included); with --mu-relative
    shifted by the Fermi level of ``tb``."""
    for name in ("mu_min", "mu_max", "mu_step"):
        if not np.isfinite(getattr(args, name)):
            raise UserError(f"--{name.replace('_', '-')} must be a finite number")
    if args.mu_step <= 0:
        raise UserError("--mu-step must be positive")
    if args.mu_max < args.mu_min:
        raise UserError("--mu-max must not be below --mu-min")
    n = int(np.floor((args.mu_max - args.mu_min) / args.mu_step + 1e-9)) + 1
    if n > max_points:
        raise UserError(f"{n} chemical potentials: increase --mu-step")
    mu = args.mu_min + args.mu_step * np.arange(n)
    if getattr(args, "mu_relative", False):
        ef = fermi_level(tb)
        mu = mu + ef
    return mu


def fermi_level(tb):
    """E_F of a TightBinding read with a Fermi level; UserError otherwise."""
    ef = None if tb is None else tb.parameters.get("fermi_energy")
    if ef is None:
        raise UserError("--mu-relative needs a Fermi level: no fermi_energy in the .win; pass "
                        "--fermi-energy E or --fermi-from FILE")
    return float(ef)


def mu_record(args, tb, mu):
    """JSON fields describing the chemical potentials (absolute, and E_F if known)."""
    rec = {"mu_relative_to_fermi": bool(getattr(args, "mu_relative", False))}
    ef = tb.parameters.get("fermi_energy") if tb is not None else None
    if ef is not None:
        rec["fermi_energy"] = float(ef)
        rec["fermi_energy_source"] = tb.parameters.get("fermi_energy_source")
        rec["mu_minus_fermi"] = np.asarray(mu) - float(ef)
    return rec


def apply_magmoms(tb, values):
    """Collinear moments along z (one number per atom) or full vectors (3 per atom)."""
    m = np.asarray(values, dtype=float)
    na = len(tb.atoms)
    if na == 0:
        raise UserError("--magmoms: the system has no atoms")
    if not np.all(np.isfinite(m)):
        raise UserError("--magmoms: moments must be finite numbers")
    if m.size == na:
        tb.magnetic_moments = [[0.0, 0.0, float(x)] for x in m]
    elif m.size == 3 * na:
        tb.magnetic_moments = m.reshape(na, 3).tolist()
    else:
        raise UserError(f"--magmoms: {m.size} numbers for {na} atoms (need {na} or {3 * na})")


def symmetrize_input(tb, args, quiet=False):
    """Project Wannier input onto its group (:func:`symmetrize_hamiltonian`), refusing when
    the removed part exceeds --symmetrize-tolerance (default max(20 meV, 1 % of max|H|)):
    so large a part means the labels or the structure do not describe the file.
    Returns (tb, report)."""
    from ..symmetry.hamiltonian import exchange_splitting, symmetrize_hamiltonian
    tol = getattr(args, "symmetrize_tolerance", None)
    if tol is not None and not (np.isfinite(tol) and tol > 0):
        raise UserError("--symmetrize-tolerance must be a positive number")
    max_h = max(float(np.abs(h).max()) for h in tb.hoppings.values())
    limit = tol if tol is not None else max(0.02, 0.01 * max_h)
    if tb.magnetic_moments is None:
        ex = exchange_splitting(tb)
        if ex and max(ex.values()) > limit:
            site = max(ex, key=ex.get)
            species = next(o.species for o in tb.orbitals if o.site == site)
            raise UserError(
                f"{args.seedname}: H(R) has a time-odd on-site part (exchange splitting) of "
                f"{ex[site]:.3g} eV on atom {site + 1} ({species}), which time-reversal "
                f"symmetrization would destroy: a magnet (pass --magmoms, one z value or 3 "
                f"numbers per atom) or a wrong spinor order (used "
                f"{tb.parameters.get('spin_order', 'n/a')}; see --spin-order)")
    try:
        tb_sym, report = symmetrize_hamiltonian(tb, symprec=getattr(args, "symprec", None))
    except ValueError as err:
        raise UserError(f"cannot symmetrize {args.seedname}: {err} "
                        f"(use --no-symmetrize-hamiltonian)") from None
    report["tolerance"] = limit
    if tb.magnetic_moments is not None:
        ex0, ex1 = exchange_splitting(tb), exchange_splitting(tb_sym)
        if ex0:
            report["exchange_splitting_read"] = max(ex0.values())
            report["exchange_splitting_symmetrized"] = max(ex1.values())
    if report["removed_max"] > limit:
        p = tb.parameters
        raise UserError(
            f"{args.seedname}: symmetrizing would change H(R) by up to {report['removed_max']:.3g} "
            f"eV (max|H| {report['max_H']:.3g}, limit {limit:.3g}); likely causes: the spinor order "
            f"(used {p.get('spin_order', 'n/a')}; try --spin-order), a .win/--structure of "
            f"another structure, Wannier centres far from their atoms, or a magnet symmetrized "
            f"with time reversal; check, or raise --symmetrize-tolerance")
    if not quiet:
        group = (f"{report['operations']} magnetic space-group operations "
                 f"({report['antiunitary_operations']} with time reversal)"
                 if report["magnetic_group"] else
                 f"{report['operations']} space-group operations + time reversal")
        line = (f"symmetrized H(R) over {group}: removed part max "
                f"{report['removed_max']:.2e} {tb.energy_unit} (rms {report['removed_rms']:.2e}), "
                f"max |H| {report['max_H']:.2f}")
        if "positions_removed_max" in report:
            line += f"; position matrix: removed max {report['positions_removed_max']:.2e} A"
        print(line)
    return tb_sym, report


def prepare_wannier_input(args, quiet=False):
    """--seedname input as every response command uses it: read (options of
    :func:`add_wannier_options`), --magmoms, then symmetrized with the right group unless
    --no-symmetrize-hamiltonian.  Returns (tb, symmetrization report or None)."""
    tb = read_seedname(args.seedname, args, quiet=quiet)
    if args.magmoms:
        apply_magmoms(tb, args.magmoms)
    if args.no_symmetrize_hamiltonian or not tb.atoms:
        return tb, None
    return symmetrize_input(tb, args, quiet=quiet)


def prepare_2d_interband_run(args, defined, vanishes, positions_use):
    """Setup shared by the 2D interband commands (orbital-me, nonlinear-hall): checks --T
    and --nk, loads --model or --seedname (Hamiltonian symmetrization report kept in the
    parameters), the mu grid, the 2D check, --magmoms for models, the nonmagnetic note, and
    drops the off-diagonal position matrix (these families use orbital positions only).

    ``defined``: what is defined per unit area/width (error text); ``vanishes``: what is
    zero by time reversal (note text); ``positions_use``: why only the diagonal is used.
    Returns (tb, mu, symmetry, positions_note or None).
    """
    if not args.T > 0:
        raise UserError("--T must be positive (k_B T in energy units)")
    if args.nk < 1:
        raise UserError("--nk must be positive")
    if args.model:
        from ..models import get_model
        tb = get_model(args.model)
    else:
        tb, report = prepare_wannier_input(args)
        tb.parameters = dict(tb.parameters, hamiltonian_symmetrization=report)
    mu = mu_grid(args, tb=tb)
    if tb.dimension != 2:
        raise UserError(f"system '{tb.name}' is not 2D: {defined} (periodic along a1, a2)")
    if args.magmoms and args.model:
        apply_magmoms(tb, args.magmoms)
    symmetry = not args.no_symmetry
    if symmetry and tb.magnetic_moments is None and tb.atoms:
        print(f"note: nonmagnetic input (time reversal is a symmetry): {vanishes} by "
              "symmetry; pass --magmoms for a magnet")
    positions_note = None
    if tb.position_matrix is not None:
        positions_note = f"diagonal: {positions_use}"
        print(f"note: position matrix {positions_note}")
        tb.position_matrix = None
    return tb, mu, symmetry, positions_note
