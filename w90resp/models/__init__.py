"""Built-in models, each a constructor returning a :class:`w90resp.tb.TightBinding`.

``MODELS`` maps the command-line names to constructors; modules that are not
importable (optional pieces) are skipped.
"""
import importlib

_REGISTRY = {
    "decorated-square": ("decorated_square", "decorated_square"),
    "mos2": ("mos2", "mos2"),
    "rashba-fm": ("rashba", "rashba_fm"),
    "rashba-insulator": ("rashba", "rashba_insulator"),
    "honeycomb": ("honeycomb_phonon", "honeycomb"),
    "honeycomb-phonon": ("honeycomb_phonon", "honeycomb_phonon"),
    "pt-afm": ("pt_afm", "pt_afm"),
}


def get_model(name, **params):
    """Build the built-in model ``name`` (see ``available_models()``)."""
    from ..errors import UserError
    if name not in _REGISTRY:
        raise UserError(f"unknown model '{name}'; available: {', '.join(available_models())}")
    mod, func = _REGISTRY[name]
    module = importlib.import_module(f"{__name__}.{mod}")
    try:
        return getattr(module, func)(**params)
    except (TypeError, ValueError) as err:
        raise UserError(f"model '{name}': {err}") from None


def available_models():
    names = []
    for name, (mod, func) in _REGISTRY.items():
        try:
            module = importlib.import_module(f"{__name__}.{mod}")
        except ImportError:
            continue
        if hasattr(module, func):
            names.append(name)
    return names
