"""Pieces shared by the sub-commands: chemical-potential grids, Wannier input, moments."""
import numpy as np

from ..errors import UserError


def mu_grid(args, max_points=20000):
    """--mu-min .. --mu-max in steps of --mu-step (both ends included)."""
    if args.mu_step <= 0:
        raise UserError("--mu-step must be positive")
    if args.mu_max < args.mu_min:
        raise UserError("--mu-max must not be below --mu-min")
    n = int(np.floor((args.mu_max - args.mu_min) / args.mu_step + 1e-9)) + 1
    if n > max_points:
        raise UserError(f"{n} chemical potentials: increase --mu-step")
    return args.mu_min + args.mu_step * np.arange(n)


def read_seedname(seedname):
    """A TightBinding from Wannier90 files; reading problems become one-line errors."""
    from ..io.wannier90 import load_wannier90
    try:
        return load_wannier90(seedname)
    except UserError:
        raise
    except (OSError, ValueError) as err:
        raise UserError(f"cannot read Wannier90 data '{seedname}': {err}") from None


def apply_magmoms(tb, values):
    """Collinear moments along z (one number per atom) or full vectors (3 per atom)."""
    m = np.asarray(values, dtype=float)
    na = len(tb.atoms)
    if na == 0:
        raise UserError("--magmoms: the system has no atoms")
    if m.size == na:
        tb.magnetic_moments = [[0.0, 0.0, float(x)] for x in m]
    elif m.size == 3 * na:
        tb.magnetic_moments = m.reshape(na, 3).tolist()
    else:
        raise UserError(f"--magmoms: {m.size} numbers for {na} atoms (need {na} or {3 * na})")
