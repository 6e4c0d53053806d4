"""Output files: JSON with units, parameters and the package version; shared plot style.

Every file is written atomically: to a temporary file in the target folder, flushed and
fsynced, then moved over the target with ``os.replace``, so a failure (full disk, an
interrupt) leaves any earlier file as it was.  JSON is strict (no NaN or Infinity).
"""
import datetime
import json
import math
import os
import tempfile

import numpy as np

from . import __version__
from .errors import UserError

#: figure formats matplotlib writes without extra packages
PLOT_FORMATS = (".png", ".pdf", ".svg")


def atomic_write(path, write):
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then replace ``path``.

    OSError becomes a one-line UserError naming the file; the temporary file is removed
    on any failure, and ``path`` is untouched unless everything succeeded.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    suffix = os.path.splitext(path)[1]
    try:
        fd, tmp = tempfile.mkstemp(prefix=".w90resp-", suffix=suffix, dir=folder)
    except OSError as err:
        raise UserError(f"cannot write {path}: {err.strerror}") from None
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as err:
        raise UserError(f"cannot write {path}: {err.strerror or err}") from None
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _check_finite(x, where="data"):
    """UserError naming the first non-finite number in a JSON-able tree."""
    if isinstance(x, dict):
        for k, v in x.items():
            _check_finite(v, f"{where}.{k}" if where != "data" else str(k))
    elif isinstance(x, list):
        for v in x:
            _check_finite(v, where)
    elif isinstance(x, float) and not math.isfinite(x):
        raise UserError(f"the result '{where}' is not finite ({x}); nothing was written")


def dump_json(path, doc):
    """Strict JSON of ``doc`` (after :func:`_jsonable`), written atomically."""
    doc = _jsonable(doc)
    _check_finite(doc)

    def write(tmp):
        with open(tmp, "w") as fh:
            json.dump(doc, fh, indent=1, allow_nan=False)
    atomic_write(path, write)
    return doc


def save_figure(fig, path, dpi=120):
    """``fig.savefig`` through :func:`atomic_write` (format from the extension)."""
    fmt = os.path.splitext(os.fspath(path))[1].lstrip(".").lower() or "png"
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format=fmt))


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.bool_,)):
        return bool(x)
    if isinstance(x, complex):
        return [x.real, x.imag]
    return x


def write_json(path, quantity, data, units, parameters, system=None):
    """Write ``data`` (dict of arrays/lists) with a header naming units and parameters.

    The file always holds ``"quantity"``, ``"units"`` (dict or str), ``"parameters"``,
    ``"version"`` (w90resp version) and ``"created"``; ``system`` describes the input.
    """
    doc = {
        "quantity": quantity,
        "version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "units": units,
        "parameters": parameters,
    }
    if system is not None:
        doc["system"] = system
    doc.update(data)
    return dump_json(path, doc)


def system_summary(tb):
    """A small JSON-able description of a :class:`w90resp.tb.TightBinding`."""
    return {
        "name": tb.name,
        "num_wann": tb.num_wann,
        "dimension": tb.dimension,
        "real_lattice": tb.real_lattice,
        "energy_unit": tb.energy_unit,
        "length_unit": tb.length_unit,
        "model_parameters": {k: v for k, v in tb.parameters.items()
                             if isinstance(v, (int, float, str, bool))},
    }
