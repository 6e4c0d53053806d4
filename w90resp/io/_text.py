"""Line-numbered text parsing shared by the Wannier90 readers.

Every problem found here is raised as :class:`w90resp.errors.InputFileError` naming the
file and the 1-based line, so that malformed input never surfaces as a numpy traceback.
"""
import numpy as np

from ..errors import InputFileError


def read_lines(path):
    """All lines of ``path`` (without newline characters); a missing file is an InputFileError."""
    try:
        if str(path).endswith(".gz"):
            import gzip
            with gzip.open(path, "rb") as fh:
                raw = fh.read()
        else:
            with open(path, "rb") as fh:
                raw = fh.read()
        if b"\0" in raw:
            raise UnicodeDecodeError("utf-8", raw, 0, 1, "NUL byte")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            # a Latin-1 byte (e.g. in a comment or an author's name) is not a reason to
            # refuse a file; non-ASCII characters where numbers belong fail their parse
            text = raw.decode("latin-1")
        return text.splitlines()
    except FileNotFoundError:
        raise InputFileError(path, "file not found") from None
    except IsADirectoryError:
        raise InputFileError(path, "is a directory, not a file") from None
    except UnicodeDecodeError:
        raise InputFileError(path, "not a text file") from None
    except (OSError, EOFError) as exc:     # gzip errors are OSError / EOFError
        raise InputFileError(path, f"cannot be read ({getattr(exc, 'strerror', None) or exc})") from None


def parse_int(path, token, lineno, what):
    try:
        return int(token)
    except (TypeError, ValueError):
        raise InputFileError(path, f"{what}: expected an integer, found '{token}'", lineno) from None


def parse_float(path, token, lineno, what):
    try:
        x = float(token.replace("d", "e").replace("D", "E"))
    except (TypeError, ValueError, AttributeError):
        raise InputFileError(path, f"{what}: expected a number, found '{token}'", lineno) from None
    if not np.isfinite(x):
        raise InputFileError(path, f"{what}: value '{token}' is not finite", lineno)
    return x


def single_int_line(path, lines, index, what):
    """The integer alone on line ``index`` (0-based) of ``lines``."""
    if index >= len(lines):
        raise InputFileError(path, f"file ends before the {what} line", index + 1)
    toks = lines[index].split()
    if len(toks) != 1:
        raise InputFileError(path, f"expected {what} (one integer), found '{lines[index].strip()}'",
                             index + 1)
    value = parse_int(path, toks[0], index + 1, what)
    if value <= 0:
        raise InputFileError(path, f"{what} must be positive, found {value}", index + 1)
    return value


def read_degeneracies(path, lines, start, nrpts):
    """Reads ``nrpts`` positive integers from consecutive lines (15 per line in Wannier90).

    Returns (ndegen array, index of the first line after the block).
    """
    values = []
    i = start
    while len(values) < nrpts:
        if i >= len(lines):
            raise InputFileError(path, f"file ends inside the degeneracy block: {len(values)} of "
                                       f"nrpts = {nrpts} weights read", i + 1)
        toks = lines[i].split()
        if not toks:
            raise InputFileError(path, f"blank line inside the degeneracy block ({len(values)} of "
                                       f"nrpts = {nrpts} weights read)", i + 1)
        if len(values) + len(toks) > nrpts:
            raise InputFileError(path, f"degeneracy block has more than nrpts = {nrpts} entries "
                                       f"(wrong nrpts?)", i + 1)
        for t in toks:
            d = parse_int(path, t, i + 1, "degeneracy weight")
            if d <= 0:
                raise InputFileError(path, f"degeneracy weight must be positive, found {d}", i + 1)
            values.append(d)
        i += 1
    return np.array(values, dtype=int), i


def numeric_table(path, lines, linenos, ncols, int_cols, what):
    """Parses rows with exactly ``ncols`` numbers; returns a float array (nrows, ncols).

    ``linenos`` are the 1-based line numbers of ``lines`` (for messages); columns listed in
    ``int_cols`` must hold integers.  A fast vectorised path is tried first; on any
    problem the rows are scanned one by one to name the first bad line.
    """
    arr = None
    try:
        rows = [ln.split() for ln in lines]
        if all(len(r) == ncols for r in rows):
            arr = np.array(rows, dtype=float)
    except ValueError:
        arr = None
    if arr is not None and np.all(np.isfinite(arr)):
        if int_cols:
            ic = arr[:, int_cols]
            bad = np.nonzero(np.any(ic != np.round(ic), axis=1))[0]
            if len(bad) == 0:
                return arr
        else:
            return arr
    # slow path: convert row by row, naming the first offending line
    out = np.empty((len(lines), ncols), dtype=float)
    for k, (ln, no) in enumerate(zip(lines, linenos)):
        toks = ln.split()
        if len(toks) != ncols:
            raise InputFileError(path, f"{what}: expected {ncols} fields, found {len(toks)} "
                                       f"('{ln.strip()}')", no)
        for j, t in enumerate(toks):
            if j in int_cols:
                out[k, j] = parse_int(path, t, no, f"{what}, field {j + 1}")
            else:
                out[k, j] = parse_float(path, t, no, f"{what}, field {j + 1}")
    return out
