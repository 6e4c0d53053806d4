"""Sub-commands of the ``w90resp`` command line.

Every module in this package defines ``NAME`` (the sub-command), ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> int``; :mod:`w90resp.cli` discovers them.
"""
