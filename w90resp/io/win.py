"""Wannier90 ``seedname.win`` input: parser, writer and orbital labels in Wannier90 order.

What is read (keywords are case-insensitive; ``!`` and ``#`` start comments; a keyword
is separated from its value by ``=``, ``:`` or blanks; blocks are ``begin name`` ...
``end name``): ``num_wann``, ``spinors``, ``mp_grid``, ``select_projections``, the
blocks ``unit_cell_cart`` (optional first line ``bohr``/``ang``), ``atoms_cart``
(optional units line) or ``atoms_frac``, and ``projections``.  Other keywords and
blocks are kept as raw text.

Order of the Wannier functions (Wannier90 2.x/3.x, ``w90_readwrite_get_projections``):
for each projection line in order; for each atom carrying that label, in the order of
the atoms block; for angular momentum l ascending and, within l, for the index m_r of
the Wannier90 real harmonics (s; pz, px, py; dz2, dxz, dyz, dx2-y2, dxy) ascending --
whatever the order in which the orbitals are written on the line; and with
``spinors = true`` the spin index innermost (up, down).  Only s, p and d orbitals with
the default axes and spin quantisation axis can be labelled; hybrids, f orbitals and
``random`` projections raise an error.
"""
import re
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputFileError, UserError
from ..operators import ORBITAL_ORDER
from ..orbitals import Orbital
from ._text import read_lines, parse_float, parse_int
from .projections import HYBRIDS, HYBRID_NAMES, coefficients, is_pure, local_frame, state_label

#: Bohr radius in Angstrom used by Wannier90 3.x by default (CODATA 2006).
BOHR_ANGSTROM = 0.52917720859

_L_SHELL = {0: "s", 1: "p", 2: "d"}
_SHELL_L = {v: k for k, v in _L_SHELL.items()}
#: orbital name -> (l, m_r) in Wannier90's numbering (User Guide, Tables 3.1-3.2)
_NAMED = {"s": [(0, 1)], "p": [(1, m) for m in (1, 2, 3)], "d": [(2, m) for m in range(1, 6)]}
for _shell, _names in ORBITAL_ORDER.items():
    for _m, _name in enumerate(_names, start=1):
        _NAMED[_name] = [(_SHELL_L[_shell], _m)]
_UNSUPPORTED = re.compile(r"^(f|fz3|fxz2|fyz2|fxyz|fz\(x2-y2\)|fx\(x2-3y2\)|fy\(3x2-y2\))$")


@dataclass
class Projection:
    """One line of the projections block.

    kind : 'species' (``Mo: d``), 'frac' (``f=x,y,z: ...``) or 'cart' (``c=x,y,z: ...``)
    label : atom label for 'species' lines (as written in the atoms block)
    position : Cartesian position (Angstrom) for 'frac'/'cart' lines
    orbitals : (shell, orbital) pairs in Wannier90 order (l ascending, then m_r) when
        every function is a pure real orbital in the global frame, else None
    states : [(name, coefficients)] of every projection function in Wannier90 order,
        the coefficients a 9-vector over the site's pure orbitals in the global frame
        (:mod:`w90resp.io.projections`: hybrids and ``z=``/``x=`` frames resolved)
    spins : ('up', 'down') with spinors, ('up',)/('down',) for ``(u)``/``(d)``,
        ('none',) without spinors
    line : line number in the .win file
    """
    kind: str
    label: str
    position: object
    orbitals: object
    spins: tuple
    line: int
    states: list = field(default_factory=list)


@dataclass
class Win:
    """Parsed ``seedname.win``.

    lattice : (3, 3) rows a1, a2, a3 in Angstrom (None if no ``unit_cell_cart``)
    atoms : list of (label, Cartesian position in Angstrom), in file order
    projections : list of :class:`Projection` (empty if no projections block)
    spinors : bool
    num_wann : int or None
    mp_grid : tuple of 3 ints or None
    select_projections : list of 0-based indices or None
    keywords : {keyword (lower case): (raw value, line)} for every keyword
    blocks : {name (lower case): (begin line, [(line, text), ...])} raw block contents
    """
    path: str
    lattice: object = None
    atoms: list = field(default_factory=list)
    projections: list = field(default_factory=list)
    spinors: bool = False
    num_wann: object = None
    mp_grid: object = None
    select_projections: object = None
    keywords: dict = field(default_factory=dict)
    blocks: dict = field(default_factory=dict)
    atoms_line: object = None
    projections_line: object = None

    def line_of(self, keyword):
        kw = self.keywords.get(keyword)
        return None if kw is None else kw[1]


# ----------------------------------------------------------------------------- reading
def _strip_comment(text):
    cut = len(text)
    for ch in "!#":
        i = text.find(ch)
        if i >= 0:
            cut = min(cut, i)
    return text[:cut].replace("\t", " ").strip()


_KEYWORD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?:[=:]\s*|\s+|$)(.*)$")


def _parse_logical(path, value, line, key):
    v = value.strip().lower()
    if v in (".true.", "true", "t", ".t."):
        return True
    if v in (".false.", "false", "f", ".f."):
        return False
    raise InputFileError(path, f"{key}: expected a logical (true/false), found '{value}'", line)


def _split_raw(path, lines):
    """(keywords, blocks) from raw lines; checks begin/end structure and duplicates."""
    keywords, blocks = {}, {}
    current = None
    for no, raw in enumerate(lines, start=1):
        text = _strip_comment(raw)
        if not text:
            continue
        low = text.lower().split()
        if low[0] == "begin":
            if len(low) < 2:
                raise InputFileError(path, "'begin' without a block name", no)
            if current is not None:
                raise InputFileError(path, f"'begin {low[1]}' inside block '{current[0]}' "
                                           f"(missing 'end {current[0]}'?)", no)
            name = low[1]
            if name in blocks:
                raise InputFileError(path, f"block '{name}' appears twice (first at line "
                                           f"{blocks[name][0]})", no)
            current = (name, no, [])
            continue
        if low[0] == "end":
            if current is None:
                raise InputFileError(path, f"'{text}' without a matching 'begin'", no)
            if len(low) < 2 or low[1] != current[0]:
                raise InputFileError(path, f"'{text}' does not close block '{current[0]}' "
                                           f"opened at line {current[1]}", no)
            blocks[current[0]] = (current[1], current[2])
            current = None
            continue
        if current is not None:
            current[2].append((no, text))
            continue
        m = _KEYWORD.match(text)
        if not m:
            raise InputFileError(path, f"cannot parse '{text}' as 'keyword = value'", no)
        key = m.group(1).lower()
        if key in keywords:
            raise InputFileError(path, f"keyword '{key}' appears twice (first at line "
                                       f"{keywords[key][1]})", no)
        keywords[key] = (m.group(2).strip(), no)
    if current is not None:
        raise InputFileError(path, f"block '{current[0]}' is never closed (no 'end {current[0]}')",
                             current[1])
    return keywords, blocks


def _units_row(rows):
    """Splits an optional leading units row ('bohr'/'ang'); returns (scale, rows)."""
    if rows and len(rows[0][1].split()) == 1:
        u = rows[0][1].strip().lower()
        if u.startswith("bohr"):
            return BOHR_ANGSTROM, rows[1:], rows[0]
        if u.startswith("ang"):
            return 1.0, rows[1:], rows[0]
    return 1.0, rows, None


def _parse_lattice(path, blocks):
    if "unit_cell_cart" not in blocks:
        return None
    begin, rows = blocks["unit_cell_cart"]
    scale, rows, unit_row = _units_row(rows)
    if len(rows) != 3 and rows:
        if len(rows[0][1].split()) == 1:
            raise InputFileError(path, f"unit_cell_cart: unknown units '{rows[0][1]}' "
                                       f"(use bohr or ang)", rows[0][0])
    if len(rows) != 3:
        raise InputFileError(path, f"unit_cell_cart must have 3 rows of 3 numbers, found {len(rows)} "
                                   f"rows", begin)
    lat = np.zeros((3, 3))
    for i, (no, text) in enumerate(rows):
        toks = text.split()
        if len(toks) != 3:
            raise InputFileError(path, f"unit_cell_cart row needs 3 numbers, found '{text}'", no)
        lat[i] = [parse_float(path, t, no, "unit_cell_cart") for t in toks]
    lat = lat * scale
    if abs(np.linalg.det(lat)) < 1e-8:
        raise InputFileError(path, "unit_cell_cart: lattice vectors are linearly dependent", begin)
    return lat


def _parse_atoms(path, blocks, lattice):
    has_cart, has_frac = "atoms_cart" in blocks, "atoms_frac" in blocks
    if has_cart and has_frac:
        raise InputFileError(path, "both atoms_cart and atoms_frac are given",
                             blocks["atoms_frac"][0])
    if not (has_cart or has_frac):
        return [], None
    name = "atoms_cart" if has_cart else "atoms_frac"
    begin, rows = blocks[name]
    scale = 1.0
    if has_cart:
        scale, rows, _ = _units_row(rows)
    elif lattice is None:
        raise InputFileError(path, "atoms_frac needs unit_cell_cart", begin)
    atoms = []
    for no, text in rows:
        toks = text.split()
        if len(toks) != 4:
            raise InputFileError(path, f"{name}: expected 'label x y z', found '{text}'", no)
        xyz = np.array([parse_float(path, t, no, name) for t in toks[1:]])
        pos = xyz * scale if has_cart else xyz @ lattice
        atoms.append((toks[0], pos))
    if not atoms:
        raise InputFileError(path, f"{name} block is empty", begin)
    return atoms, begin


def _parse_coord(path, text, no, what):
    toks = [t for t in text.split(",")]
    if len(toks) != 3:
        raise InputFileError(path, f"{what}: expected three comma-separated numbers, found '{text}'",
                             no)
    return np.array([parse_float(path, t, no, what) for t in toks])


def parse_states(spec, path="<orbitals>", line=None):
    """(l, m_r) pairs of a projection string, in Wannier90 order (l ascending from the
    hybrids l = -5..-1 to d, then m_r), duplicates removed.

    Accepts the Wannier90 forms ``s``, ``p``, ``d``, ``pz``, ``dxy;dz2``, ``px,py``,
    ``sp``, ``sp2``, ``sp3``, ``sp3d``, ``sp3d2``, ``sp3-2``, ``l=2``, ``l=-3``,
    ``l=1,mr=2,3`` and combinations with ``;``.  f orbitals (l = 3) are refused.
    """
    states = set()
    text = spec.replace(" ", "").lower()
    if not text:
        raise InputFileError(path, "projection has no orbitals", line)

    def count(l):
        return 2 * l + 1 if l >= 0 else len(HYBRIDS[l])

    for item in text.split(";"):
        if not item:
            continue
        if item.startswith("l="):
            head, _, rest = item.partition(",")
            try:
                l = int(head[2:])
            except ValueError:
                raise InputFileError(path, f"cannot read l in '{item}'", line) from None
            if l not in _L_SHELL and l not in HYBRIDS:
                raise InputFileError(path, f"projection l={l} cannot be labelled (s, p, d and the "
                                           f"hybrids l = -1..-5 only; f orbitals are not "
                                           f"supported)", line)
            if not rest:
                states.update((l, m) for m in range(1, count(l) + 1))
                continue
            if not rest.startswith("mr="):
                raise InputFileError(path, f"expected 'mr=' after l={l} in '{item}'", line)
            for t in rest[3:].split(","):
                try:
                    m = int(t)
                except ValueError:
                    raise InputFileError(path, f"cannot read mr in '{item}'", line) from None
                if not 1 <= m <= count(l):
                    raise InputFileError(path, f"mr={m} out of range 1..{count(l)} for l={l}", line)
                states.add((l, m))
            continue
        for name in item.split(","):
            if not name:
                continue
            if name in _NAMED:
                states.update(_NAMED[name])
                continue
            hyb = re.match(r"^(sp|sp2|sp3|sp3d|sp3d2)(?:-(\d))?$", name)
            if hyb:
                l = HYBRID_NAMES[hyb.group(1)]
                if hyb.group(2) is None:
                    states.update((l, m) for m in range(1, count(l) + 1))
                else:
                    m = int(hyb.group(2))
                    if not 1 <= m <= count(l):
                        raise InputFileError(path, f"hybrid '{name}': index out of range "
                                                   f"1..{count(l)}", line)
                    states.add((l, m))
            elif _UNSUPPORTED.match(name):
                raise InputFileError(path, f"projection '{name}' (f orbital) cannot be "
                                           f"labelled; s, p, d orbitals and their hybrids are "
                                           f"supported", line)
            else:
                raise InputFileError(path, f"unknown orbital name '{name}' (known: "
                                           f"{', '.join(_NAMED)}, sp, sp2, sp3, sp3d, sp3d2; "
                                           f"l=..,mr=..)", line)
    return sorted(states)


def parse_orbital_spec(spec, path="<orbitals>", line=None):
    """(shell, orbital) pairs in Wannier90 order for a projection string of pure real
    orbitals (see :func:`parse_states`; hybrids are refused here)."""
    states = parse_states(spec, path, line)
    if any(l < 0 for l, _ in states):
        raise InputFileError(path, f"'{spec}': hybrid orbitals need a .win projections block "
                                   f"(or --projections), not a pure-orbital list", line)
    return [(_L_SHELL[l], ORBITAL_ORDER[_L_SHELL[l]][m - 1]) for l, m in states]


def _default_axis(vec, default):
    v = np.asarray(vec, float)
    n = np.linalg.norm(v)
    return n > 0 and np.allclose(v / n, default, atol=1e-6)


def _parse_projection_line(path, no, text, spinors, lattice, scale):
    s = text.replace(" ", "")
    if ":" not in s:
        raise InputFileError(path, f"malformed projection '{text}' (expected 'site: orbitals')", no)
    site, rest = s.split(":", 1)
    lsite = site.lower()
    kind, label, position = "species", site, None
    if lsite.startswith("f=") or lsite.startswith("c="):
        kind = "frac" if lsite.startswith("f=") else "cart"
        xyz = _parse_coord(path, site[2:], no, "projection site")
        if kind == "frac":
            if lattice is None:
                raise InputFileError(path, "f= projection needs unit_cell_cart", no)
            position = xyz @ lattice
        else:
            position = xyz * scale
        label = None
    rest_low = rest.lower()
    spins = ("up", "down") if spinors else ("none",)
    if "[" in rest_low:
        i = rest_low.index("[")
        j = rest_low.find("]", i)
        if j < 0:
            raise InputFileError(path, "no closing ']' for the spin quantisation axis", no)
        if not spinors:
            raise InputFileError(path, "spin quantisation axis given but spinors = false", no)
        q = _parse_coord(path, rest_low[i + 1:j], no, "spin quantisation axis")
        if not _default_axis(q, (0, 0, 1)):
            raise InputFileError(path, f"spin quantisation axis [{rest_low[i + 1:j]}] is not z: "
                                       f"spin labels would not be Sz eigenstates", no)
        rest_low = rest_low[:i] + rest_low[j + 1:]
    if "(" in rest_low:
        i = rest_low.index("(")
        j = rest_low.find(")", i)
        if j < 0:
            raise InputFileError(path, "no closing ')' for the spin selection", no)
        if not spinors:
            raise InputFileError(path, "spin (u/d) given but spinors = false", no)
        sel = rest_low[i + 1:j]
        chosen = tuple(sp for sp, c in (("up", "u"), ("down", "d")) if c in sel)
        if not chosen:
            raise InputFileError(path, f"spin selection '({sel})' has neither u nor d", no)
        spins = chosen
        rest_low = rest_low[:i] + rest_low[j + 1:]
    parts = rest_low.split(":")
    pairs = parse_states(parts[0], path, no)
    axes = {}
    for opt in parts[1:]:
        if not opt:
            continue
        key, _, val = opt.partition("=")
        if key in ("z", "x"):
            axes[key] = _parse_coord(path, val, no, f"{key} axis")
        elif key in ("zona", "r"):
            pass
        else:
            raise InputFileError(path, f"unknown projection option '{opt}'", no)
    frame = None
    if axes:
        try:
            frame = local_frame(axes.get("z"), axes.get("x"))
        except ValueError as err:
            raise InputFileError(path, f"projection axes: {err}", no) from None
        if np.allclose(frame, np.eye(3), atol=1e-10):
            frame = None
    states = [(state_label(l, m), coefficients(l, m, frame)) for l, m in pairs]
    orbitals = None
    if all(is_pure(v) is not None for _, v in states):
        orbitals = [(_L_SHELL[l], ORBITAL_ORDER[_L_SHELL[l]][m - 1]) for l, m in pairs] \
            if frame is None and all(l >= 0 for l, _ in pairs) else None
        if orbitals is None:   # a frame that only permutes/keeps pure orbitals
            from .projections import PURE
            orbitals = [PURE[is_pure(v)] for _, v in states]
    return Projection(kind=kind, label=label, position=position, orbitals=orbitals,
                      spins=spins, line=no, states=states)


def _parse_ranges(path, value, no, key):
    out = []
    for part in value.replace(",", " ").split():
        if "-" in part:
            a, b = part.split("-", 1)
            lo, hi = parse_int(path, a, no, key), parse_int(path, b, no, key)
            if hi < lo:
                raise InputFileError(path, f"{key}: bad range '{part}'", no)
            out.extend(range(lo, hi + 1))
        else:
            out.append(parse_int(path, part, no, key))
    if any(i <= 0 for i in out):
        raise InputFileError(path, f"{key}: indices must be positive", no)
    return [i - 1 for i in out]


def read_win(path):
    """Parses a Wannier90 ``.win`` file into a :class:`Win` (lengths in Angstrom)."""
    path = str(path)
    lines = read_lines(path)
    keywords, blocks = _split_raw(path, lines)
    win = Win(path=path, keywords=keywords, blocks=blocks)
    win.lattice = _parse_lattice(path, blocks)
    win.atoms, win.atoms_line = _parse_atoms(path, blocks, win.lattice)
    if "spinors" in keywords:
        win.spinors = _parse_logical(path, *keywords["spinors"], "spinors")
    if "num_wann" in keywords:
        v, no = keywords["num_wann"]
        win.num_wann = parse_int(path, v, no, "num_wann")
        if win.num_wann <= 0:
            raise InputFileError(path, f"num_wann must be positive, found {win.num_wann}", no)
    if "mp_grid" in keywords:
        v, no = keywords["mp_grid"]
        toks = v.replace(",", " ").split()
        if len(toks) != 3:
            raise InputFileError(path, f"mp_grid needs 3 integers, found '{v}'", no)
        win.mp_grid = tuple(parse_int(path, t, no, "mp_grid") for t in toks)
        if min(win.mp_grid) <= 0:
            raise InputFileError(path, f"mp_grid entries must be positive, found '{v}'", no)
    if "select_projections" in keywords:
        win.select_projections = _parse_ranges(path, *keywords["select_projections"],
                                               "select_projections")
    if "projections" in blocks:
        begin, rows = blocks["projections"]
        win.projections_line = begin
        scale = 1.0
        if rows and rows[0][1].strip().lower() in ("bohr", "ang", "angstrom"):
            scale = BOHR_ANGSTROM if rows[0][1].strip().lower() == "bohr" else 1.0
            rows = rows[1:]
        if rows and rows[0][1].strip().lower() == "random":
            raise InputFileError(path, "'random' projections: the Wannier functions have no "
                                       "orbital labels; give explicit projections or orbitals",
                                 rows[0][0])
        for no, text in rows:
            win.projections.append(
                _parse_projection_line(path, no, text, win.spinors, win.lattice, scale))
    return win


# --------------------------------------------------------------------- orbital labels
def _minimum_image(d, lattice):
    """Shortest vector among d + n.A for n in {-1,0,1}^3 (d already reduced to the cell)."""
    if lattice is None:
        return d
    lattice = np.asarray(lattice, float)
    frac = d @ np.linalg.inv(lattice)
    frac -= np.round(frac)
    best = None
    for n in np.array(np.meshgrid([-1, 0, 1], [-1, 0, 1], [-1, 0, 1])).reshape(3, -1).T:
        v = (frac + n) @ lattice
        if best is None or np.linalg.norm(v) < np.linalg.norm(best):
            best = v
    return best


def _atom_at(position, atoms, lattice, tol=1e-2):
    for i, (_, pos) in enumerate(atoms):
        if np.linalg.norm(_minimum_image(np.asarray(position) - pos, lattice)) < tol:
            return i
    return None


def _expand(win, spin_order):
    """[(site, name, coefficients, spin, line)] in Wannier90 order (before
    select_projections); coefficients are 9-vectors over the site's pure orbitals."""
    path = win.path
    labels = {}
    for i, (lab, _) in enumerate(win.atoms):
        labels.setdefault(lab.lower(), []).append(i)
    base = []  # (site, name, vec, spins, line)
    for proj in win.projections:
        if proj.kind == "species":
            if not win.atoms:
                raise InputFileError(path, f"projection on '{proj.label}' but no atoms_cart/"
                                           f"atoms_frac block", proj.line)
            sites = labels.get(proj.label.lower())
            if sites is None:
                known = ", ".join(dict.fromkeys(a[0] for a in win.atoms))
                raise InputFileError(path, f"projection site '{proj.label}' is not an atom label "
                                           f"(atoms: {known})", proj.line)
        else:
            site = _atom_at(proj.position, win.atoms, win.lattice)
            if site is None:
                raise InputFileError(path, "projection centre is not on an atom: orbital labels "
                                           "need an atom site", proj.line)
            sites = [site]
        for site in sites:
            for name, vec in proj.states:
                base.append((site, name, vec, proj.spins, proj.line))
    out = []
    if spin_order == "block" and win.spinors:
        for s in ("up", "down"):
            for site, name, vec, spins, line in base:
                if s in spins:
                    out.append((site, name, vec, s, line))
    else:
        for site, name, vec, spins, line in base:
            for s in spins:
                out.append((site, name, vec, s, line))
    return out


def _pure_basis(win, entries):
    """Pure-orbital labels for the slots of ``entries`` and the unitary C with
    |w_j> = sum_i C[i, j] |pure orbital of slot i> (per site and spin)."""
    from .projections import PURE, pure_basis_transform
    n = len(entries)
    C = np.zeros((n, n))
    labels = [None] * n
    groups = {}
    for j, (site, _, _, spin, _) in enumerate(entries):
        groups.setdefault((site, spin), []).append(j)
    for (site, spin), slots in groups.items():
        vecs = [entries[j][2] for j in slots]
        try:
            idx, M = pure_basis_transform(vecs)
        except ValueError as err:
            lab = win.atoms[site][0]
            raise InputFileError(win.path, f"projections on atom {site + 1} ({lab}"
                                           f"{'' if spin == 'none' else ', spin ' + spin}): {err}",
                                 entries[slots[0]][4]) from None
        for a, j in enumerate(slots):
            labels[j] = PURE[idx[a]]
            for b, jb in enumerate(slots):
                C[j, jb] = M[a, b]
    return labels, C


def orbitals_from_win(win, centres=None, positions="atoms", spin_order="interlaced",
                      num_wann=None, centre_tol=1.0, centre_warn=0.5, centres_path=None,
                      num_wann_source=None, return_transform=False):
    """Orbital labels of the Wannier functions described by a parsed .win, in Wannier90 order.

    Parameters
    ----------
    win : :class:`Win` (or a path to a .win file)
    centres : (nw, 3) Cartesian Wannier centres in Angstrom, optional.  Each centre is
        compared with its labelled atom (nearest periodic image): farther than
        ``centre_tol`` raises an error (wrong order or wrong labels), farther than
        ``centre_warn`` warns.  Hybrid / rotated functions are checked through the mean
        centre of their site (a single sp3 hybrid sits half-way to a neighbour).
    positions : 'atoms' (orbital position = its atom) or 'centres' (the Wannier centre,
        taken at the periodic image nearest to the atom).
    spin_order : 'interlaced' (Wannier90's own order, default) or 'block' (all up, then
        all down: VASP's spinor order).
    num_wann : expected number of WFs (defaults to ``win.num_wann``); ``num_wann_source``
        names where it comes from in messages (e.g. the _hr.dat file).
    centres_path : file name used in messages about ``centres``.
    return_transform : also return C (nw, nw) or None.  Hybrid projections and local
        frames (``z=``/``x=``) are not pure real orbitals: the Wannier functions of each
        such site are a unitary combination of the pure orbitals they span,
        |w_j> = sum_i C[i, j] |orbital i>, and the returned labels are those pure
        orbitals (the Hamiltonian must then be rotated, H -> C H C^dagger, as
        :func:`w90resp.io.wannier90.load_wannier90` does).  Without ``return_transform``
        such projections raise an error.

    Returns a list of :class:`w90resp.orbitals.Orbital` with ``site`` the index of the
    atom in the .win atoms block and ``species`` its label as written there (and C).
    """
    from .projections import PURE
    if not isinstance(win, Win):
        win = read_win(win)
    path = win.path
    if spin_order not in ("interlaced", "block"):
        raise ValueError(f"spin_order must be 'interlaced' or 'block', got '{spin_order}'")
    if not win.projections:
        raise InputFileError(path, "no projections block: orbital labels unknown (give orbitals= "
                                   "explicitly)")
    entries = _expand(win, spin_order)
    if win.select_projections is not None:
        sel = win.select_projections
        if max(sel) >= len(entries):
            raise InputFileError(path, f"select_projections refers to projection {max(sel) + 1} but "
                                       f"only {len(entries)} are defined",
                                 win.line_of("select_projections"))
        entries = [entries[i] for i in sel]
    expected = win.num_wann if num_wann is None else num_wann
    if expected is not None and len(entries) != expected:
        where = win.projections_line
        src = f" in {num_wann_source}" if num_wann_source else ""
        raise InputFileError(path, f"projections define {len(entries)} Wannier functions but "
                                   f"num_wann = {expected}{src}", where)
    pure = [is_pure(e[2]) for e in entries]
    C = None
    if all(p is not None for p in pure):
        labels = [PURE[p] for p in pure]
    else:
        if not return_transform:
            raise InputFileError(path, "hybrid or rotated projections: the Hamiltonian must be "
                                       "rotated to pure orbitals (read it with load_wannier90)",
                                 entries[[p is None for p in pure].index(True)][4])
        labels, C = _pure_basis(win, entries)
    orbitals = []
    for (site, _, _, spin, _), (shell, orb) in zip(entries, labels):
        label, pos = win.atoms[site]
        orbitals.append(Orbital(site, label, pos, shell, orb, spin))
    if centres is not None:
        if C is not None:
            centres = _site_mean_centres(orbitals, centres, win.lattice, C)
        orbitals = apply_centres(orbitals, centres, win.lattice, positions=positions,
                                 tol=centre_tol, warn=centre_warn, path=centres_path or path)
    elif positions != "atoms":
        raise ValueError("positions='centres' needs centres")
    return (orbitals, C) if return_transform else orbitals


def _site_mean_centres(orbitals, centres, lattice, C):
    """Centres of rotated sites replaced by their site's mean (images nearest the atom)."""
    out = np.array(centres, float)
    mixed = np.abs(C - np.diag(np.diag(C))).max(axis=0) > 0
    sites = {}
    for j, o in enumerate(orbitals):
        sites.setdefault(o.site, []).append(j)
    for site, js in sites.items():
        if not mixed[js].any() and not np.any(np.abs(np.diag(C)[js] - 1) > 1e-12):
            continue
        pos = orbitals[js[0]].position
        near = np.array([pos + _minimum_image(out[j] - pos, lattice) for j in js])
        out[js] = near.mean(axis=0)
    return out


def apply_centres(orbitals, centres, lattice, positions="atoms", tol=1.0, warn=0.5, path="centres"):
    """Checks Wannier centres against the orbitals' atoms; optionally moves positions there.

    A centre farther than ``tol`` (Angstrom, nearest periodic image) from the atom of its
    label raises an InputFileError (it usually means the orbital order is wrong); farther
    than ``warn`` gives a warning.  Returns new Orbital objects.
    """
    if positions not in ("atoms", "centres"):
        raise ValueError(f"positions must be 'atoms' or 'centres', got '{positions}'")
    centres = np.asarray(centres, float)
    if centres.shape != (len(orbitals), 3):
        raise InputFileError(path, f"{len(centres)} Wannier centres for {len(orbitals)} orbitals")
    out = []
    far = []
    for i, (o, c) in enumerate(zip(orbitals, centres)):
        d = _minimum_image(c - o.position, lattice)
        dist = float(np.linalg.norm(d))
        if dist > tol:
            raise InputFileError(path, f"Wannier centre {i + 1} is {dist:.3f} Angstrom from its "
                                       f"labelled atom {o.label} (limit {tol}): orbital order or "
                                       f"labels do not match the centres")
        if dist > warn:
            far.append((i + 1, o.label, dist))
        pos = o.position + d if positions == "centres" else o.position
        out.append(Orbital(o.site, o.species, pos, o.shell, o.orbital, o.spin))
    if far:
        desc = ", ".join(f"WF {i} ({lab}) {d:.2f} A" for i, lab, d in far[:5])
        warnings.warn(f"{path}: Wannier centres far from their atoms: {desc}", stacklevel=3)
    return out


def orbitals_from_spec(spec, spinors=False, spin_order="interlaced"):
    """Orbitals from a compact list ``[(species, (x, y, z), orbitals), ...]``.

    Positions are Cartesian (Angstrom).  ``orbitals`` is a projection string as in a .win
    ('d', 'p', 's;p', 'dxy;dz2', 'l=2', ...) or a list of them; within an entry the
    orbitals follow Wannier90's order (l, then m_r).  Entries with the same species and
    position share one site.  Returns (orbitals, atoms) with atoms [(species, position)].
    """
    if spin_order not in ("interlaced", "block"):
        raise ValueError(f"spin_order must be 'interlaced' or 'block', got '{spin_order}'")
    atoms, base = [], []
    for k, entry in enumerate(spec):
        try:
            species, position, orbs = entry
        except (TypeError, ValueError):
            raise UserError(f"orbital spec entry {k}: expected (species, (x, y, z), orbitals), "
                            f"got {entry!r}") from None
        try:
            position = np.asarray(position, float).reshape(3)
        except (TypeError, ValueError):
            raise UserError(f"orbital spec entry {k}: position must be 3 numbers, got "
                            f"{position!r}") from None
        site = None
        for i, (sp, pos) in enumerate(atoms):
            if sp == species and np.allclose(pos, position, atol=1e-8):
                site = i
        if site is None:
            atoms.append((species, position))
            site = len(atoms) - 1
        texts = [orbs] if isinstance(orbs, str) else list(orbs)
        pairs = parse_orbital_spec(";".join(texts), path="orbitals", line=None)
        for shell, orb in pairs:
            base.append((site, species, position, shell, orb))
    if not spinors:
        orbitals = [Orbital(*b, spin="none") for b in base]
    elif spin_order == "interlaced":
        orbitals = [Orbital(*b, spin=s) for b in base for s in ("up", "down")]
    else:
        orbitals = [Orbital(*b, spin=s) for s in ("up", "down") for b in base]
    return orbitals, atoms


# ----------------------------------------------------------------------------- writing
def _run_text(run):
    """Projection string for a list of (shell, orbital) in Wannier90 order."""
    names = []
    for shell in ("s", "p", "d"):
        got = [o for sh, o in run if sh == shell]
        if not got:
            continue
        if tuple(got) == ORBITAL_ORDER[shell]:
            names.append(shell)
        else:
            names.extend(got)
    return ";".join(names)


def projection_lines(orbitals, atoms, lattice):
    """Projection-block lines reproducing ``orbitals`` in Wannier90 order, or None.

    Uses ``label: orbitals`` lines when every atom of a label is covered in atom order,
    otherwise ``f=x,y,z: orbitals`` lines.  Spin must be absent or interlaced.
    """
    spinful = any(o.spin != "none" for o in orbitals)
    seq = []
    if spinful:
        if len(orbitals) % 2:
            return None
        for a, b in zip(orbitals[::2], orbitals[1::2]):
            if (a.spin, b.spin) != ("up", "down") or (a.site, a.shell, a.orbital) != \
                    (b.site, b.shell, b.orbital):
                return None
            seq.append(a)
    else:
        seq = list(orbitals)
    runs = []  # (site, [(shell, orb)])
    for o in seq:
        if runs and runs[-1][0] == o.site:
            runs[-1][1].append((o.shell, o.orbital))
        else:
            runs.append((o.site, [(o.shell, o.orbital)]))
    by_label = {}
    for i, (lab, _) in enumerate(atoms):
        by_label.setdefault(lab.lower(), []).append(i)
    lines, k = [], 0
    inv = np.linalg.inv(lattice)
    while k < len(runs):
        site, run = runs[k]
        if site >= len(atoms):
            return None
        text = _run_text(run)
        label = atoms[site][0]
        group = by_label[label.lower()]
        n = len(group)
        if group[0] == site and [r[0] for r in runs[k:k + n]] == group and \
                all(_run_text(r[1]) == text for r in runs[k:k + n]):
            lines.append(f"{label}: {text}")
            k += n
        else:
            f = atoms[site][1] @ inv
            lines.append(f"f={f[0]:.10f},{f[1]:.10f},{f[2]:.10f}: {text}")
            k += 1
    return lines


def write_win(tb, path, mp_grid=None, extra=None):
    """Writes a minimal ``.win`` for a :class:`w90resp.tb.TightBinding` (lengths in Angstrom).

    Contains num_wann, spinors, mp_grid (if given), unit_cell_cart, atoms_cart and the
    projections reproducing ``tb.orbitals`` in Wannier90 order (checked by reading back).
    ``extra``: additional 'keyword = value' lines.  Raises ValueError if the orbital
    order cannot be expressed as Wannier90 projections (e.g. block spin order).
    """
    atoms = list(tb.atoms)
    if not atoms:
        seen = {}
        for o in tb.orbitals:
            seen.setdefault(o.site, (o.species, o.position))
        atoms = [seen[s] for s in sorted(seen)]
    lines = projection_lines(tb.orbitals, atoms, tb.real_lattice)
    if lines is None:
        raise ValueError("the orbital order is not Wannier90's (site by site, l then m_r, spin "
                         "interlaced): it cannot be written as .win projections")
    out = [f"num_wann = {tb.num_wann}", f"spinors = {'true' if tb.spinful else 'false'}"]
    if mp_grid is not None:
        out.append("mp_grid = " + " ".join(str(int(x)) for x in mp_grid))
    for line in extra or []:
        out.append(line)
    out += ["", "begin unit_cell_cart", "ang"]
    out += ["  " + " ".join(f"{x:20.12f}" for x in row) for row in tb.real_lattice]
    out += ["end unit_cell_cart", "", "begin atoms_cart", "ang"]
    out += [f"  {lab:<6s}" + " ".join(f"{x:20.12f}" for x in pos) for lab, pos in atoms]
    out += ["end atoms_cart", "", "begin projections"] + ["  " + s for s in lines]
    out += ["end projections", ""]
    with open(path, "w") as fh:
        fh.write("\n".join(out))
    back = orbitals_from_win(read_win(path))
    if [(o.site, o.shell, o.orbital, o.spin) for o in back] != \
            [(o.site, o.shell, o.orbital, o.spin) for o in tb.orbitals]:
        raise ValueError("written projections do not reproduce the orbital order")
    return path
