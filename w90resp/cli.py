"""The ``w90resp`` command line: one sub-command per module of :mod:`w90resp.commands`."""
import argparse
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
                           formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 1
    try:
        return int(args._run(args) or 0)
    except UserError as err:
        print(f"w90resp {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
