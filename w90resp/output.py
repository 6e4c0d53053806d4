"""Output files: JSON with units, parameters and the package version; shared plot style."""
import datetime
import json

import numpy as np

from . import __version__


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
        "w90resp_version": __version__,
        "version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "units": units,
        "parameters": parameters,
    }
    if system is not None:
        doc["system"] = system
    doc.update(data)
    with open(path, "w") as f:
        json.dump(_jsonable(doc), f, indent=1)
    return doc


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
