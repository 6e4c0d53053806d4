"""Helpers of the make_*.py scripts that rebuild the public-data pieces."""


def without_kpoints(win):
    """The text of a .win without its 'begin kpoints ... end kpoints' block."""
    keep, skip = [], False
    for ln in win.splitlines():
        if ln.strip().lower() == "begin kpoints":
            skip = True
        if not skip:
            keep.append(ln)
        if ln.strip().lower() == "end kpoints":
            skip = False
    return "\n".join(keep) + "\n"
