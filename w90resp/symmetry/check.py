"""Check a computed response tensor against the symmetry of its point group."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import UserError
from .neumann import analyse, component_indices, component_labels, get_spec
from .pointgroups import as_pointgroup


class SymmetryViolation(AssertionError):
    """A tensor breaks a symmetry constraint; ``.report`` holds the details."""

    def __init__(self, report):
        super().__init__(report.text())
        self.report = report


@dataclass
class SymmetryReport:
    """Outcome of :func:`check_tensor`.

    ``forbidden``: [(label, largest |value| over leading axes, ratio to the scale)];
    ``relations``: [(relation text, largest residual, ratio)] for the violated ones only.
    """

    response: str
    group: str
    scale: float
    forbidden: list = field(default_factory=list)
    relations: list = field(default_factory=list)
    basis: str = "Q"

    @property
    def ok(self):
        return not self.forbidden and not self.relations

    def text(self):
        if self.ok:
            return f"{self.response} tensor respects {self.group}"
        lines = [f"{self.response} tensor breaks {self.group} (largest |component| {self.scale:.3g}):"]
        lines += [f"  forbidden {lab} = {v:.3g} ({r:.2g} of largest)" for lab, v, r in self.forbidden]
        lines += [f"  relation {t} violated by {v:.3g} (relative {r:.2g})" for t, v, r in self.relations]
        return "\n".join(lines)


def _normalize_shape(spec, tensor):
    """Return the tensor with the response's shape as trailing axes."""
    t = np.asarray(tensor)
    shape = spec.shape
    if spec.name == "orbital-me" and t.shape[-1:] == (2,):
        pad = np.zeros(t.shape[:-1] + (1,), dtype=t.dtype)
        return np.concatenate([t, pad], axis=-1), "xy"
    if spec.name == "pumped-om" and (t.ndim == 0 or t.shape[-1:] == (1,)):
        t = t.reshape(t.shape[:-1] if t.ndim else ())
        full = np.zeros(t.shape + (3,), dtype=t.dtype)
        full[..., 2] = t
        return full, "z"
    if t.shape[t.ndim - len(shape):] != shape or t.ndim > len(shape) + 1:
        raise UserError(f"{spec.name} tensor of shape {t.shape}: expected {shape} "
                        f"or (n,) + {shape}")
    return t, None


def check_tensor(response, tensor, pointgroup, forbidden_tol=1e-8, relation_tol=1e-6,
                 raise_error=True):
    """Check that ``tensor`` obeys Neumann's principle for ``pointgroup``.

    Shapes: fcim (3,3,5) or (nmu,3,3,5) in the Q basis F[α][β][λ] that the calculators
    return (λ order x²−y², 3z²−r², xy, yz, xz); spin-me (3,3) or (nmu,3,3) indexed
    [a][i]; orbital-me (2,) [χ_x, χ_y] or (3,) or with a leading nmu axis; pumped-om (3,)
    axial vector, (1,)/scalar M_z, or with a leading axis.

    * forbidden components must satisfy |T| ≤ forbidden_tol × max|T| (max over the whole
      array, all leading indices);
    * each relation ``T_i = Σ c_j T_j`` (Q basis) must hold to
      |residual| ≤ relation_tol × max(|T_i|, Σ|c_j T_j|), or be below the forbidden level.

    Returns a :class:`SymmetryReport`; raises :class:`SymmetryViolation` (an
    AssertionError) when a check fails and ``raise_error`` is true.
    """
    spec = get_spec(response)
    pg = as_pointgroup(pointgroup)
    t, partial = _normalize_shape(spec, tensor)
    a = analyse(spec, pg)
    scale = float(np.max(abs(t))) if t.size else 0.0
    floor = forbidden_tol * scale
    report = SymmetryReport(spec.name, pg.hm, scale)
    labels = component_labels(spec, "Q")
    for n, idx in enumerate(component_indices(spec)):
        if partial == "xy" and idx[-1] == 2 or partial == "z" and idx[-1] != 2:
            continue
        if not a.mask[idx]:
            v = float(np.max(abs(t[(...,) + idx])))
            if v > floor:
                report.forbidden.append((labels[n], v, v / scale))
    for rel in a.relations_Q:
        res = np.abs(rel.residual(t))
        lhs = np.abs(t[(...,) + rel.component])
        rhs = sum(abs(c) * np.abs(t[(...,) + i]) for c, i in rel.terms)
        bound = np.maximum(relation_tol * np.maximum(lhs, rhs), floor)
        bad = res > bound
        if np.any(bad):
            worst = float(np.max(res))
            rel_err = float(np.max(res / np.maximum(np.maximum(lhs, rhs), 1e-300)))
            report.relations.append((rel.text, worst, rel_err))
    if raise_error and not report.ok:
        raise SymmetryViolation(report)
    return report
