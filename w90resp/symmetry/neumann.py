"""Neumann's principle for the response tensors of :mod:`w90resp`.

A response tensor T is allowed only in the subspace left invariant by every element g of
the (magnetic) point group, ``T = D(g) T``.  D(g) is the tensor product of one factor per
index, times a time-reversal sign for antiunitary (primed) elements.  The projector onto
the invariants is ``P = (1/|G|) Σ_g D(g)``; all representations used here are orthogonal,
so P is an orthogonal projector.  Components with ``P_ii = 0`` are forbidden; linear
relations among the allowed components follow from the reduced row echelon form of a
basis of ``range(P)``.

Index kinds (how one index transforms under a Cartesian rotation R, proper or improper):

* ``polar``: R;  ``axial``: det(R) R;
* ``quad``: the 5-dim orthogonal representation of the electric quadrupoles, basis
  polynomials (x²−y², (3z²−r²)/√3, 2xy, 2yz, 2xz) with ``(R·p)(r) = p(R⁻¹ r)``
  (inversion-even).  This is the λ order of the FCIM paper's Eqs. (6)–(7) and (40)–(44).

The parities of every response live in :data:`RESPONSES` (the one place where they are
set).  Time reversal ``T``: ``odd`` multiplies D(g) by −1 for primed elements, ``even``
by +1, ``spatial`` means that primed elements act through their spatial part only (which
is the same as ``even`` for the projector; it is kept separate to document the reason).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..errors import UserError
from ..operators import LAMBDAS, QUADRUPOLE_POLYNOMIALS
from .pointgroups import as_pointgroup

LAMBDA_LABELS = LAMBDAS
XYZ = "xyz"

#: s_λ: per-ε_λ (strain-basis) responses are f^λ = s_λ g F^λ, F^λ the Q-basis responses.
#: (ε_{x²−y²}, ε_{3z²−r²}, 2ε_xy, 2ε_yz, 2ε_xz) are the coordinates of the strain in the
#: orthonormal basis paired with (Q_λ) — FCIM paper Eqs. (6)–(8), Sec. III.
STRAIN_SCALE = np.array([1.0, 1.0, 2.0, 2.0, 2.0])

# Symmetric 3×3 matrices A_λ with p_λ(r) = rᵀ A_λ r (Frobenius norm √2 each): the
# package's single definition, shared with the operator algebra.
_QUAD_MATRICES = QUADRUPOLE_POLYNOMIALS


def quadrupole_representation(R):
    """5×5 orthogonal matrix D(R) on the quadrupole basis (x²−y², (3z²−r²)/√3, 2xy, 2yz, 2xz).

    ``p(R⁻¹ r) = rᵀ (R A Rᵀ) r``, hence ``D_{λμ} = Tr(A_λ R A_μ Rᵀ) / 2``.
    """
    R = np.asarray(R, float)
    return np.einsum("lij,jk,mkn,in->lm", _QUAD_MATRICES, R, _QUAD_MATRICES, R) / 2.0


@dataclass(frozen=True)
class ResponseSpec:
    """How a response tensor transforms: one kind per index, and time reversal."""

    name: str
    kinds: tuple
    time_reversal: str  # "odd", "even" or "spatial"
    symbol: str
    description: str
    z_row: bool = False  # only the M_z row of an axial x polar tensor (2D responses)

    @property
    def shape(self):
        if self.z_row:
            return (3,)
        return tuple(5 if k == "quad" else 3 for k in self.kinds)


#: The parity table.  References:
#: fcim — Koyama, Koretsune & Hattori, Sec. II E and Table I: M axial & T-odd, ∇ polar,
#:   ε_λ / Q_λ inversion-even; the dissipative FCIM contains two T-odd operators and 1/η,
#:   so time reversal imposes no constraint: primed elements act as their spatial part.
#: spin-me — Shitade, Daido & Yanase: spin MQM M^i_a, spin ME α^i_a, gravito-ME β^i_a,
#:   δM_a = α^i_a E_i; a = spin (axial), i = polar, T-odd (allowed by PT, not by T).
#: orbital-me — Xiao et al., PRB 103, 045401, Eq. (1) and Table I: ΔM_z = χ_i E_i,
#:   α_i for -∇_i T; the intrinsic part is forbidden by P and by T, allowed by PT:
#:   M_z axial & T-odd, E_i / ∇_i T polar & T-even.
#: pumped-om — Xiao, Ren & Xiong, PRB 103, 115432: orbital magnetization pumped over an
#:   adiabatic cycle; the cycle itself breaks T, so only the spatial parts act (axial vector).
#: nonlinear-hall — intrinsic (Berry-connection-polarizability) nonlinear Hall current
#:   j_a = chi_abc E_b E_c (Gao, Yang & Niu PRL 112, 166601; Xiao, Ren & Xiong Sec. V B):
#:   j and E polar, chi odd under P (three polar indices) and odd under T (dissipationless,
#:   j odd, E even), allowed by PT; the Ettingshausen coefficients transform the same way.
RESPONSES = {
    "fcim": ResponseSpec("fcim", ("axial", "polar", "quad"), "spatial", "f",
                         "flexocurrent-induced magnetization f_{αβ}^λ: M_α = f_{αβ}^λ ∇_β ε_λ"),
    "spin-me": ResponseSpec("spin-me", ("axial", "polar"), "odd", "T",
                            "spin MQM / spin ME / gravito-ME tensor T[a][i] (a = spin, i = field)"),
    "orbital-me": ResponseSpec("orbital-me", ("axial", "polar"), "odd", "chi",
                               "2D intrinsic orbital ME / magnetothermal χ_i: M_z = χ_i E_i "
                               "(components i = x, y; z listed for completeness)",
                               z_row=True),
    "pumped-om": ResponseSpec("pumped-om", ("axial",), "spatial", "M",
                              "pumped orbital magnetization (axial vector, spatial group only)"),
    "nonlinear-hall": ResponseSpec("nonlinear-hall", ("polar", "polar", "polar"), "odd", "chi",
                                   "intrinsic nonlinear Hall chi_abc: j_a = chi_abc E_b E_c "
                                   "(and the nonlinear Ettingshausen heat current)"),
}


def get_spec(response):
    if isinstance(response, ResponseSpec):
        return response
    key = str(response).lower().replace("_", "-")
    if key not in RESPONSES:
        raise UserError(f"unknown response {response!r} (choose from {', '.join(RESPONSES)})")
    return RESPONSES[key]


def _index_matrix(kind, R):
    if kind == "polar":
        return R
    if kind == "axial":
        return np.linalg.det(R) * R
    if kind == "quad":
        return quadrupole_representation(R)
    raise ValueError(kind)


def representation(spec, R, time_reversal=False):
    """Matrix of one operation on the flattened (C-order) tensor of ``spec``."""
    R = np.asarray(R, float)
    D = np.ones((1, 1))
    for k in spec.kinds:
        D = np.kron(D, _index_matrix(k, R))
    if time_reversal and spec.time_reversal == "odd":
        D = -D
    if spec.z_row:  # keep the M_z row of an (axial, polar) tensor
        if not (np.allclose(R[2, :2], 0, atol=1e-6) and np.allclose(R[:2, 2], 0, atol=1e-6)):
            raise UserError(f"{spec.name} is a 2D response: every operation must map the "
                            "z axis (layer normal) onto itself")
        D = D[6:9, 6:9]
    return D


def projector(spec, pointgroup):
    """P = (1/|G|) Σ_g D(g) for the response ``spec`` (orthogonal projector)."""
    ops = pointgroup.operations()
    return sum(representation(spec, R, t) for R, t in ops) / len(ops)


def component_labels(spec, basis="strain"):
    """Labels of the flattened components, e.g. ``f_yx^{x2-y2}`` (fcim, strain basis),
    ``F_yx^{x2-y2}`` (fcim, Q basis), ``T_zx`` (spin-me, [a][i]), ``chi_x``, ``M_z``."""
    if spec.name == "fcim":
        sym = "f" if basis == "strain" else "F"
        return [f"{sym}_{a}{b}^{{{lam}}}" for a in XYZ for b in XYZ for lam in LAMBDA_LABELS]
    letters = [LAMBDA_LABELS if n == 5 else XYZ for n in spec.shape]
    return [f"{spec.symbol}_" + "".join(idx) for idx in itertools.product(*letters)]


def component_indices(spec):
    shape = spec.shape
    return [tuple(int(v) for v in np.unravel_index(n, shape)) for n in range(int(np.prod(shape)))]


def _rref(A, tol=1e-9):
    A = np.array(A, float)
    rows, cols = A.shape
    pivots, r = [], 0
    for c in range(cols):
        if r >= rows:
            break
        p = r + int(np.argmax(abs(A[r:, c])))
        if abs(A[p, c]) < tol:
            continue
        A[[r, p]] = A[[p, r]]
        A[r] /= A[r, c]
        for i in range(rows):
            if i != r:
                A[i] -= A[i, c] * A[r]
        pivots.append(c)
        r += 1
    A[abs(A) < tol] = 0.0
    return A[:r], pivots


def pretty_number(x, tol=1e-9):
    """Exact-looking text for a coefficient: ``1``, ``-1/2``, ``sqrt3``, ``-sqrt3/2``,
    ``2sqrt3/3`` (= 2/√3), ``sqrt2/2``; other numbers in ``%.12g`` format."""
    for root, name in ((1.0, ""), (np.sqrt(3.0), "sqrt3"), (np.sqrt(2.0), "sqrt2")):
        q = Fraction(x / root).limit_denominator(12)
        if q == 0 or abs(float(q) * root - x) > tol * max(1.0, abs(x)):
            continue
        if not name:
            return str(q)
        sign = "-" if q < 0 else ""
        num = abs(q.numerator)
        text = f"{sign}{'' if num == 1 else num}{name}"
        return text if q.denominator == 1 else f"{text}/{q.denominator}"
    return f"{x:.12g}"


@dataclass
class Relation:
    """``component = Σ coefficient × independent component`` (all indices as tuples)."""

    component: tuple
    terms: list  # [(coefficient, index tuple), ...]
    text: str

    def as_dict(self, labels_of):
        return {"component": list(self.component), "label": labels_of(self.component),
                "terms": [{"coefficient": float(c), "coefficient_text": pretty_number(c),
                           "component": list(i), "label": labels_of(i)} for c, i in self.terms],
                "text": self.text}

    def residual(self, tensor):
        """``tensor[component] − Σ c tensor[index]`` (works with leading axes)."""
        t = np.asarray(tensor)
        lhs = t[(...,) + self.component]
        return lhs - sum(c * t[(...,) + i] for c, i in self.terms)


@dataclass
class Analysis:
    """Result of :func:`analyse`: mask, independent components and relations in both bases."""

    spec: ResponseSpec
    mask: np.ndarray
    independent: list
    relations: list       # strain basis for fcim (paper's f^λ), identical otherwise
    relations_Q: list     # Q basis (calculator outputs F^λ)
    projector: np.ndarray

    @property
    def n_independent(self):
        return len(self.independent)


def _relations(basis_rows, pivots, spec, labels, scale=None):
    idx = component_indices(spec)
    out = []
    n = basis_rows.shape[1]
    pivot_set = set(pivots)
    for i in range(n):
        if i in pivot_set:
            continue
        col = basis_rows[:, i]
        if not np.any(col):
            continue
        terms = []
        for j, p in enumerate(pivots):
            c = col[j]
            if c == 0:
                continue
            if scale is not None:
                c = c * scale[i] / scale[p]
            terms.append((float(c), idx[p]))
        rhs = " ".join(_term_text(c, labels[idx.index(k)], first=(m == 0))
                       for m, (c, k) in enumerate(terms))
        out.append(Relation(idx[i], terms, f"{labels[i]} = {rhs}"))
    return out


def _term_text(c, label, first):
    s = pretty_number(c)
    neg = s.startswith("-")
    mag = s[1:] if neg else s
    body = label if mag == "1" else f"{mag} {label}"
    if first:
        return ("-" if neg else "") + body
    return ("- " if neg else "+ ") + body


def analyse(response, pointgroup, tol=1e-8):
    """Allowed components and relations of ``response`` under ``pointgroup``.

    For ``fcim`` the relations are given twice: ``relations`` for the per-strain responses
    f_{αβ}^λ of the FCIM paper (M_α = Σ f_{αβ}^λ ∇_β ε_λ with ε_λ of Eqs. (6)–(7) and
    ε_xy, ε_yz, ε_xz), and ``relations_Q`` for the Q-basis responses F^λ (the response to
    the field coupling to Q_λ, Eqs. (40)–(44)), which is what the calculators return.  They
    are related by f^λ = s_λ g F^λ with s = (1, 1, 2, 2, 2) when the coupling g is common to
    the components of one irrep; e.g. C3v (FCIM paper Eq. (46)): F_xx^{xy} = −F_yx^{x²−y²}
    ⇔ f_xx^{xy} = −2 f_yx^{x²−y²}.
    """
    spec = get_spec(response)
    P = projector(spec, as_pointgroup(pointgroup))
    w, v = np.linalg.eigh((P + P.T) / 2)
    B = v[:, w > 0.5]  # columns: orthonormal basis of the invariants
    shape = spec.shape
    if B.shape[1] == 0:
        mask = np.zeros(shape, bool)
        return Analysis(spec, mask, [], [], [], P)
    rows, pivots = _rref(B.T)
    allowed = np.any(abs(rows) > tol, axis=0)
    mask = allowed.reshape(shape)
    idx = component_indices(spec)
    independent = [idx[p] for p in pivots]
    relations_Q = _relations(rows, pivots, spec, component_labels(spec, "Q"))
    if spec.name == "fcim":
        scale = np.tile(STRAIN_SCALE, 9)
        relations = _relations(rows, pivots, spec, component_labels(spec, "strain"), scale)
    else:
        relations = relations_Q
    return Analysis(spec, mask, independent, relations, relations_Q, P)


def allowed_components(response, pointgroup):
    """``(mask, relations)``: boolean mask of the symmetry-allowed components (shape of the
    response, fcim: [α][β][λ] with λ in :data:`LAMBDA_LABELS` order) and the list of
    :class:`Relation` among them in the paper's strain basis (Q basis: use :func:`analyse`)."""
    a = analyse(response, as_pointgroup(pointgroup))
    return a.mask, a.relations
