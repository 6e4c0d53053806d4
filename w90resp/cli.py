"""The ``w90resp`` command line: one sub-command per module of :mod:`w90resp.commands`."""
import argparse
import math
import os
import signal
import importlib
import pkgutil
import sys

from . import __version__
from . import commands as _commands
from .errors import UserError


def _subcommand_modules():
    mods = []
    for info in sorted(pkgutil.iter_modules(_commands.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        mods.append(importlib.import_module(f"{_commands.__name__}.{info.name}"))
    return mods


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, but not for options whose default is None or False (no value)."""

    def _get_help_string(self, action):
        if action.default in (None, False) or action.default is argparse.SUPPRESS:
            return action.help
        if "%(default)" in (action.help or "") or "default" in (action.help or "").lower():
            return action.help
        return super()._get_help_string(action)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="w90resp",
        description=(
            "Magnetization responses of Wannier90 / tight-binding Hamiltonians via "
            "WannierBerri. Energies are in eV for Wannier input (model units for built-in "
            "models), lengths in Angstrom (lattice constants with --units natural). "
            "2D systems are reported per unit area."
        ),
    )
    parser.add_argument("--version", action="version", version=f"w90resp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in _subcommand_modules():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP),
                           formatter_class=_HelpFormatter)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 1
    previous = _install_sigterm()
    try:
        check_options(args)
        return int(args._run(args) or 0)
    except UserError as err:
        print(f"w90resp {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        _stop_ray()
        print(f"w90resp {args.command}: interrupted; no output written", file=sys.stderr)
        return 130
    except _Terminated:
        _stop_ray()
        print(f"w90resp {args.command}: terminated (SIGTERM); no output written", file=sys.stderr)
        return 143
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread like KeyboardInterrupt."""


def _install_sigterm():
    def handler(signum, frame):
        raise _Terminated()
    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:            # not the main thread (e.g. inside a test runner thread)
        return None


def _stop_ray():
    """Shut Ray workers down if this process started them."""
    ray = sys.modules.get("ray")
    if ray is not None and getattr(ray, "is_initialized", lambda: False)():
        try:
            ray.shutdown()
        except Exception:   # shutting down after an interrupt: nothing more to do
            pass


#: largest --nk accepted (per periodic direction); 10^4 is 10^8 k-points in 2D
MAX_NK = 10000


def _flag(name):
    return "--" + name.replace("_", "-")


def check_options(args):
    """Checks every command's options before any reading or computing: numbers finite
    and in range, output paths writable and distinct from the inputs and each other."""
    for name, value in vars(args).items():
        if name.startswith("_"):
            continue
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, float) and not math.isfinite(v):
                raise UserError(f"{_flag(name)} must be a finite number, got {v}")
    positive = ("kT", "eta", "symprec", "mu_step", "symmetrize_tolerance", "max_memory")
    for name in positive:
        v = getattr(args, name, None)
        if v is not None and not v > 0:
            raise UserError(f"{_flag(name)} must be positive, got {v:g}")
    for name in ("degen_thresh", "T"):
        v = getattr(args, name, None)
        if v is not None and v < 0:
            raise UserError(f"{_flag(name)} must not be negative, got {v:g}")
    nk = getattr(args, "nk", None)
    if nk is not None and not 1 <= nk <= MAX_NK:
        raise UserError(f"--nk must be between 1 and {MAX_NK}, got {nk}")
    workers = getattr(args, "workers", None)
    if workers is not None and workers < 1:
        raise UserError(f"--workers must be at least 1, got {workers}")
    moments = getattr(args, "moments", None)
    if moments is not None and not [m for m in str(moments).split(",") if m.strip()]:
        raise UserError("--moments is empty (e.g. --moments L,S)")
    check_outputs(args)


def _inputs(args):
    out = []
    seed = getattr(args, "seedname", None)
    if seed:
        for suffix in ("_tb.dat", "_hr.dat", ".win"):
            if seed.endswith(suffix):
                seed = seed[:-len(suffix)]
        out += [seed + s for s in ("_tb.dat", "_hr.dat", ".win", "_centres.xyz", "_wsvec.dat",
                                   "_wannier_centre_WT_format.dat")]
    for name in ("structure", "fermi_from"):
        v = getattr(args, name, None)
        if v:
            out.append(v)
    return {os.path.realpath(q) for p in out for q in (p, p + ".gz")}


def check_outputs(args):
    """--json / --plot: a file in an existing, writable folder, not a directory, not an
    input, not the same as another output; --plot with a known figure format."""
    from .output import PLOT_FORMATS
    inputs = _inputs(args)
    seen = {}
    for name in ("json", "plot"):
        path = getattr(args, name, None)
        if path is None:
            continue
        flag = _flag(name)
        if not str(path).strip():
            raise UserError(f"{flag} is empty")
        real = os.path.realpath(path)
        if real in inputs:
            raise UserError(f"{flag} {path} is an input file; choose another name")
        if real in seen:
            raise UserError(f"{flag} {path} is also {seen[real]}")
        seen[real] = flag
        if os.path.isdir(path):
            raise UserError(f"{flag} {path} is a directory")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise UserError(f"{flag} {path}: folder {folder} does not exist")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise UserError(f"{flag} {path}: folder {folder} is not writable")
        if os.path.exists(path) and not os.path.isfile(path):
            raise UserError(f"{flag} {path} is not a regular file")
        if name == "plot" and os.path.splitext(path)[1].lower() not in PLOT_FORMATS:
            raise UserError(f"--plot {path}: unknown figure format (use {', '.join(PLOT_FORMATS)})")


if __name__ == "__main__":
    sys.exit(main())
