"""The 32 crystallographic point groups and their magnetic (primed) variants.

Groups are built from their Hermann–Mauguin (HM) symbol: every position of the symbol
names a symmetry direction, and the element written there (``n``, ``-n``, ``m`` or
``n/m``, optionally primed ``'`` for combination with time reversal) is a generator;
the group is the closure of these generators.  All operations are Cartesian 3×3
orthogonal matrices (proper or improper) acting on polar vectors, each with a
time-reversal flag.

Settings (Cartesian axes) used for symbols:

* triclinic: any; monoclinic: unique axis **y** (ITA unique axis b), so ``2`` is C2y and
  ``m`` is the mirror normal to y;
* orthorhombic: positions x, y, z;
* tetragonal: positions z, [100] = x, [110];  ``-42m`` has 2 ∥ x, ``-4m2`` has m ⊥ x;
* trigonal / hexagonal (hexagonal axes, a₁ ∥ x, a₂ at 120°): positions z, [100] = x and
  [1-10] (direction (√3/2, −1/2, 0)).  ``3m`` = ``3m1`` and ``-6m2`` therefore have a
  mirror plane normal to x (the orientation of P3m1 and P-6m2 with a₁ ∥ x, used by the
  FCIM paper, Koyama, Koretsune & Hattori, Sec. III B–C and Fig. 4(a)); ``32`` = ``321`` has
  a twofold axis along x.  The other settings ``31m``, ``312``, ``-31m``, ``-62m`` are
  accepted too;
* cubic: positions [001], [111], [110].

Primed symbols such as ``4m'm'``, ``-3'm'`` or ``2/m'`` give magnetic point groups
(black-and-white groups); a trailing ``1'`` gives a grey group (contains time reversal).
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import numpy as np

from ..errors import UserError

# --------------------------------------------------------------------------- symbols

#: The 32 crystallographic point groups, standard HM symbol -> Schoenflies symbol,
#: in the conventional order (triclinic ... cubic).
HM_TO_SCHOENFLIES = {
    "1": "C1", "-1": "Ci",
    "2": "C2", "m": "Cs", "2/m": "C2h",
    "222": "D2", "mm2": "C2v", "mmm": "D2h",
    "4": "C4", "-4": "S4", "4/m": "C4h", "422": "D4", "4mm": "C4v", "-42m": "D2d",
    "4/mmm": "D4h",
    "3": "C3", "-3": "C3i", "32": "D3", "3m": "C3v", "-3m": "D3d",
    "6": "C6", "-6": "C3h", "6/m": "C6h", "622": "D6", "6mm": "C6v", "-6m2": "D3h",
    "6/mmm": "D6h",
    "23": "T", "m-3": "Th", "432": "O", "-43m": "Td", "m-3m": "Oh",
}
SCHOENFLIES_TO_HM = {v: k for k, v in HM_TO_SCHOENFLIES.items()}
_SCHOENFLIES_ALIASES = {"S2": "Ci", "S6": "C3i", "C1h": "Cs", "S1": "Cs", "V": "D2",
                        "Vh": "D2h", "Vd": "D2d"}

#: Other settings / spellings of HM symbols -> (standard symbol of the group type).
#: Symbols listed here are built in their own orientation (see module docstring).
HM_SETTINGS = {
    "321": "32", "312": "32", "3m1": "3m", "31m": "3m", "-3m1": "-3m", "-31m": "-3m",
    "-4m2": "-42m", "-62m": "-6m2", "m3": "m-3", "m3m": "m-3m", "2mm": "mm2", "m2m": "mm2",
}
#: Symbols in HM_SETTINGS that are mere spellings of the standard setting.
_SAME_SETTING = {"321": "32", "3m1": "3m", "-3m1": "-3m", "m3": "m-3", "m3m": "m-3m"}

ALL_HM = list(HM_TO_SCHOENFLIES)

# --------------------------------------------------------------------------- matrices

_S3 = np.sqrt(3.0)


def rotation_matrix(axis, angle):
    """Proper rotation by ``angle`` (radians) about ``axis`` (Cartesian), right-handed."""
    n = np.asarray(axis, float)
    n = n / np.linalg.norm(n)
    K = np.array([[0, -n[2], n[1]], [n[2], 0, -n[0]], [-n[1], n[0], 0]])
    return np.eye(3) + np.sin(angle) * K + (1 - np.cos(angle)) * K @ K


def _element(token_body, axis):
    """Generator matrices for one symbol element (without primes) along ``axis``."""
    if token_body == "1":
        return [np.eye(3)]
    if token_body == "-1":
        return [-np.eye(3)]
    if token_body == "m":
        return [-rotation_matrix(axis, np.pi)]
    m = re.fullmatch(r"(-?)([2346])", token_body)
    if m:
        R = rotation_matrix(axis, 2 * np.pi / int(m.group(2)))
        return [-R if m.group(1) else R]
    raise ValueError(token_body)


_DIRS = {
    "x": (1.0, 0.0, 0.0), "y": (0.0, 1.0, 0.0), "z": (0.0, 0.0, 1.0),
    "110": (1.0, 1.0, 0.0), "111": (1.0, 1.0, 1.0), "hex1-10": (_S3 / 2, -0.5, 0.0),
}
_TOKEN = re.compile(r"(-?[1-6])('?)(?:/(m)('?))?|(m)('?)")


def _tokenize(symbol):
    tokens, pos = [], 0
    while pos < len(symbol):
        m = _TOKEN.match(symbol, pos)
        if not m:
            raise UserError(f"cannot parse point-group symbol {symbol!r}")
        if m.group(5):
            tokens.append([("m", bool(m.group(6)))])
        else:
            tok = [(m.group(1), bool(m.group(2)))]
            if m.group(3):
                tok.append(("m", bool(m.group(4))))
            tokens.append(tok)
        pos = m.end()
    return tokens


def _directions(tokens):
    """Symmetry directions for the positions of a tokenized HM symbol."""
    bodies = [t[0][0] for t in tokens]
    n = len(tokens)
    if n >= 2 and bodies[1] in ("3", "-3"):
        return ["z", "111", "110"][:n]  # cubic
    first = bodies[0].lstrip("-")
    if first in ("3", "6"):
        return ["z", "x", "hex1-10"][:n]
    if first == "4":
        return ["z", "x", "110"][:n]
    if n == 3:
        return ["x", "y", "z"]
    if n == 1:
        return ["y"]  # monoclinic, unique axis b (triclinic: irrelevant)
    raise UserError(f"not a crystallographic point-group symbol: {''.join(bodies)!r}")


def _canonical(R):
    return tuple(np.round(R, 6).ravel() + 0.0)


def closure(ops, max_order=96):
    """Close a list of (R, t) pairs under multiplication.  Returns the list of pairs."""
    elems = {(_canonical(np.eye(3)), False): (np.eye(3), False)}
    frontier = [(np.asarray(R, float), bool(t)) for R, t in ops]
    gens = list(frontier)
    while frontier:
        new = []
        for R, t in frontier:
            key = (_canonical(R), t)
            if key not in elems:
                elems[key] = (R, t)
                new.append((R, t))
        frontier = []
        for (R, t), (G, s) in itertools.product(new, gens):
            for P in ((R @ G, t != s), (G @ R, t != s)):
                if (_canonical(P[0]), P[1]) not in elems:
                    frontier.append(P)
        if len(elems) > max_order:
            raise UserError("generators do not form a finite crystallographic point group")
    return list(elems.values())


# --------------------------------------------------------------------------- group type

@dataclass
class PointGroup:
    """A (possibly magnetic) crystallographic point group in a fixed Cartesian frame.

    Attributes
    ----------
    rotations : (n, 3, 3) float array
        Cartesian rotation matrices (proper or improper) acting on polar vectors.
    time_reversal : (n,) bool array
        True where the operation is combined with time reversal (antiunitary, primed).
    hm, schoenflies : str
        Symbols of the group including primes / ``1'`` for magnetic groups.  For a
        black-and-white group the Schoenflies symbol is ``G(H)`` with H the unitary
        subgroup (e.g. ``D3d(D3)`` for ``-3'm'``); a grey group gets ``1'`` appended.
    family_hm, family_schoenflies : str
        The ordinary point group of all spatial parts (standard symbols).
    magnetic_type : int
        1 (no antiunitary element), 2 (grey: contains pure time reversal) or
        3 (black-and-white).
    info : dict
        Extra facts (space group, magnetic space group, source, setting transformation).
    """

    rotations: np.ndarray
    time_reversal: np.ndarray
    hm: str = ""
    schoenflies: str = ""
    family_hm: str = ""
    family_schoenflies: str = ""
    magnetic_type: int = 1
    info: dict = field(default_factory=dict)

    @property
    def order(self):
        return len(self.rotations)

    def operations(self):
        """List of ``(R, time_reversal)`` pairs."""
        return [(R, bool(t)) for R, t in zip(self.rotations, self.time_reversal)]

    def spatial_rotations(self):
        """Distinct spatial parts (the family point group), as an (m, 3, 3) array."""
        seen = {}
        for R in self.rotations:
            seen.setdefault(_canonical(R), R)
        return np.array(list(seen.values()))

    @property
    def centrosymmetric(self):
        """True if spatial inversion (unprimed or primed) is a spatial part."""
        return any(np.allclose(R, -np.eye(3)) for R in self.rotations)

    def contains(self, R, time_reversal=False, tol=1e-6):
        return any(np.allclose(G, R, atol=tol) and bool(t) == bool(time_reversal)
                   for G, t in zip(self.rotations, self.time_reversal))

    def summary(self):
        d = {"hermann_mauguin": self.hm, "schoenflies": self.schoenflies,
             "family_hermann_mauguin": self.family_hm,
             "family_schoenflies": self.family_schoenflies,
             "magnetic_type": self.magnetic_type, "order": self.order}
        d.update(self.info)
        return d

    def to_wannierberri(self):
        """The operations as ``wannierberri.symmetry.point_symmetry.PointGroup``.

        Usable e.g. for ``PointGroup.get_symmetric_components`` or to pass explicit
        generators to a WannierBerri system (``system.pointgroup = ...``).
        """
        from wannierberri.symmetry.point_symmetry import PointGroup as WBPointGroup
        from wannierberri.symmetry.point_symmetry import PointSymmetry
        return WBPointGroup([PointSymmetry(np.array(R), TR=bool(t)) for R, t in self.operations()])


def _signature(rotations):
    """Sorted multiset of (det, trace) of the spatial parts: identifies the group type."""
    return tuple(sorted((int(round(np.linalg.det(R))), int(round(np.trace(R)))) for R in rotations))


_STANDARD_CACHE = {}


def _standard_rotations(hm):
    if hm not in _STANDARD_CACHE:
        _STANDARD_CACHE[hm] = np.array([R for R, _ in _build(_tokenize(_spelling(hm)))])
    return _STANDARD_CACHE[hm]


def _spelling(hm):
    return {"32": "321", "3m": "3m1", "-3m": "-3m1"}.get(hm, hm)


def _build(tokens, grey=False):
    dirs = _directions(tokens)
    gens = [(np.eye(3), True)] if grey else []
    for tok, d in zip(tokens, dirs):
        for body, primed in tok:
            for R in _element(body, _DIRS[d]):
                gens.append((R, primed))
    return closure(gens)


_TYPE_BY_SIGNATURE = None


def identify_family(rotations):
    """Standard HM symbol of the point group formed by the given spatial rotations."""
    global _TYPE_BY_SIGNATURE
    if _TYPE_BY_SIGNATURE is None:
        _TYPE_BY_SIGNATURE = {_signature(_standard_rotations(hm)): hm for hm in ALL_HM}
    sig = _signature(rotations)
    if sig not in _TYPE_BY_SIGNATURE:
        raise UserError("the operations do not form a crystallographic point group")
    return _TYPE_BY_SIGNATURE[sig]


def _axes(rotations):
    """Unit axes of the proper parts of all non-identity operations (both signs)."""
    out = []
    for R in rotations:
        P = R * np.sign(np.linalg.det(R))
        if np.allclose(P, np.eye(3), atol=1e-6):
            continue
        w, v = np.linalg.eig(P)
        ax = np.real(v[:, np.argmin(abs(w - 1))])
        ax /= np.linalg.norm(ax)
        for s in (1, -1):
            if not any(np.allclose(s * ax, a, atol=1e-6) for a in out):
                out.append(s * ax)
    return out


def _frame(u, v):
    u = u / np.linalg.norm(u)
    v = v - u * (u @ v)
    v = v / np.linalg.norm(v)
    return np.column_stack([u, v, np.cross(u, v)])


def _same_set(A, B):
    ka = sorted(_canonical(R) for R in A)
    kb = sorted(_canonical(R) for R in B)
    return ka == kb


def find_setting(rotations, hm):
    """An orthogonal S with ``S @ G_std @ S.T == G`` (as sets), G_std the group ``hm``
    in the setting of :mod:`w90resp.symmetry.pointgroups`; None if none is found."""
    std = _standard_rotations(hm)
    rot = np.asarray(rotations)
    if _same_set(rot, std):
        return np.eye(3)
    ax_std = _axes(std)
    ax_g = _axes(rot)
    if not ax_std:
        return np.eye(3)
    a0 = ax_std[0]
    b_candidates = [b for b in ax_std if abs(abs(a0 @ b) - 1) > 1e-6]
    if not b_candidates:  # uniaxial group: only one axis line
        b0 = np.array([1.0, 0, 0]) if abs(a0[0]) < 0.9 else np.array([0, 1.0, 0])
        b_candidates = [b0]
    b0 = b_candidates[0]
    cos = a0 @ b0
    F_std = _frame(a0, b0)
    for u in ax_g:
        vs = [v for v in ax_g if abs(u @ v - cos) < 1e-6 and abs(abs(u @ v) - 1) > 1e-6]
        if len(b_candidates) == 1 and abs(cos) < 1e-9 and not vs:
            p = np.array([1.0, 0, 0]) if abs(u[0]) < 0.9 else np.array([0, 1.0, 0])
            vs = [p - u * (u @ p)]
        for v in vs:
            S = _frame(u, v) @ F_std.T
            if _same_set([S @ R @ S.T for R in std], rot):
                return S
            # uniaxial groups: any perpendicular direction works for one of the images
    return None


def _primed_symbol(hm, S, group_ops):
    """Primed HM symbol of a black-and-white group whose family is ``hm`` in setting S."""
    tokens = _tokenize(_spelling(hm))
    dirs = _directions(tokens)
    lookup = {_canonical(R): t for R, t in group_ops}
    out = ""
    for tok, d in zip(tokens, dirs):
        parts = []
        for body, _ in tok:
            if body == "1":
                parts.append("1")
                continue
            R = S @ _element(body, _DIRS[d])[0] @ S.T
            t = lookup[_canonical(R)]
            parts.append(body + ("'" if t else ""))
        out += "/".join(parts)
    if hm in ("32", "3m", "-3m"):  # drop the placeholder "1" of the 321 / 3m1 spelling
        out = out[:-1] if out.endswith("1") else out
    return out


def describe(ops, info=None, symbol=None):
    """Make a :class:`PointGroup` (with symbols) from a closed list of (R, t) pairs."""
    rotations = np.array([R for R, _ in ops])
    tr = np.array([bool(t) for _, t in ops])
    spatial = {}
    for R in rotations:
        spatial.setdefault(_canonical(R), R)
    fam = identify_family(list(spatial.values()))
    has_T = any(t and np.allclose(R, np.eye(3), atol=1e-6) for R, t in ops)
    info = dict(info or {})
    if not tr.any():
        mtype, hm, sch = 1, fam, HM_TO_SCHOENFLIES[fam]
    elif has_T:
        mtype, hm, sch = 2, fam + "1'", HM_TO_SCHOENFLIES[fam] + "1'"
    else:
        mtype = 3
        unitary = [R for R, t in ops if not t]
        sub = identify_family(unitary)
        sch = f"{HM_TO_SCHOENFLIES[fam]}({HM_TO_SCHOENFLIES[sub]})"
        S = find_setting(list(spatial.values()), fam)
        hm = _primed_symbol(fam, S, ops) if S is not None else f"{fam}({sub})"
    if symbol is not None:
        hm = symbol
    return PointGroup(rotations=rotations, time_reversal=tr, hm=hm, schoenflies=sch,
                      family_hm=fam, family_schoenflies=HM_TO_SCHOENFLIES[fam],
                      magnetic_type=mtype, info=info)


def _normalize_schoenflies(symbol):
    s = symbol.replace("_", "").replace("{", "").replace("}", "").strip()
    if not s or s[0].upper() not in "CDSTOV":
        return None
    s = s[0].upper() + s[1:].lower()
    s = _SCHOENFLIES_ALIASES.get(s, s)
    return s if s in SCHOENFLIES_TO_HM else None


def point_group_from_symbol(symbol):
    """Point group from a Schoenflies (``C3v``, ``D3h``, ``Oh``, ``S6`` ...) or
    Hermann–Mauguin symbol (``3m``, ``-6m2``, ``m-3m``, ``4m'm'``, ``-3'm'``, ``6/mmm1'``).

    Settings are those of the module docstring (FCIM paper axes for C4v, D3h, C3v: mirrors
    normal to x).  Raises :class:`w90resp.errors.UserError` for an unknown symbol or an
    inconsistent set of primes.
    """
    if not isinstance(symbol, str) or not symbol.strip():
        raise UserError(f"not a point-group symbol: {symbol!r}")
    raw = symbol.strip().replace(" ", "").replace("\u2032", "'").replace("\u00af", "-")
    sch = _normalize_schoenflies(raw)
    if sch is not None:
        raw = SCHOENFLIES_TO_HM[sch]
    elif raw.endswith("1'") and _normalize_schoenflies(raw[:-2]) is not None:
        raw = SCHOENFLIES_TO_HM[_normalize_schoenflies(raw[:-2])] + "1'"  # grey, e.g. C3v1'
    known = set(HM_TO_SCHOENFLIES) | set(HM_SETTINGS)
    grey = raw.endswith("1'") and (raw == "1'" or raw[:-2].replace("'", "") in known)
    body = (raw[:-2] or "1") if grey else raw
    unprimed = body.replace("'", "")
    if unprimed not in HM_TO_SCHOENFLIES and unprimed not in HM_SETTINGS:
        raise UserError(f"unknown point-group symbol {symbol!r} (use e.g. C3v, 3m, -6m2, 4/mmm, m-3m)")
    spelled = _spelling(unprimed)
    if spelled != unprimed:  # 32 -> 321 etc.: append the placeholder, keeping primes
        body = body + "1"
    tokens = _tokenize(body)
    ops = _build(tokens, grey=grey)
    nprime = sum(1 for tok in tokens for _, p in tok if p)
    has_T = any(t and np.allclose(R, np.eye(3)) for R, t in ops)
    if has_T and not grey and nprime:
        raise UserError(f"inconsistent primes in {symbol!r}: the generated group contains "
                        "time reversal itself (write a grey group as ...1')")
    if unprimed in HM_SETTINGS and unprimed not in _SAME_SETTING:
        setting = unprimed
    else:
        setting = "standard"
    pg = describe(ops, info={"source": "symbol", "setting": setting})
    if (nprime or grey or setting != "standard") and unprimed not in _SAME_SETTING:
        pg.hm = raw  # keep the user's setting / primes as written
    return pg


def all_point_groups():
    """The 32 crystallographic point groups (standard settings), keyed by HM symbol."""
    return {hm: point_group_from_symbol(hm) for hm in ALL_HM}


def as_pointgroup(pointgroup):
    """A :class:`PointGroup` from a PointGroup or a symbol (see :func:`point_group_from_symbol`)."""
    if isinstance(pointgroup, PointGroup):
        return pointgroup
    if isinstance(pointgroup, str):
        return point_group_from_symbol(pointgroup)
    raise UserError(f"expected a point group or a point-group symbol, got {type(pointgroup).__name__}")
