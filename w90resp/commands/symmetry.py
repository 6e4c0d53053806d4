"""``w90resp symmetry``: symmetry-allowed components of a response for a point group."""
from __future__ import annotations

import numpy as np

from .. import __version__
from ..errors import UserError
from ..symmetry.structure import DEFAULT_SYMPREC

from ..symmetry.neumann import RESPONSES

NAME = "symmetry"
HELP = "which response components may be nonzero for a structure or a point group"
DESCRIPTION = (
    "Point group (spglib, magnetic point group with --magmoms) and Neumann analysis of a "
    "response tensor: allowed components and the linear relations among them. FCIM "
    "relations are printed in the strain basis of Koyama, Koretsune & Hattori (f^lambda, "
    "per strain field eps_lambda); the JSON also holds them in the quadrupole basis "
    "(relations_Q, F^lambda as returned by the calculators; f = s_lambda g F with "
    "s = 1,1,2,2,2). Symbols: Schoenflies (C3v) or Hermann-Mauguin (3m, -6m2, 4m'm', "
    "-3'm', 6/mmm1'); a plain symbol is a group without time reversal, append 1' for a "
    "nonmagnetic (grey) group. Axes: monoclinic unique axis y; C4v, C3v, D3h with a mirror "
    "normal to x (x along a1 for P3m1 / P-6m2).")


def add_arguments(parser):
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("structure", nargs="?", help="structure file (any format ASE reads, or a "
                     "Wannier90 .win)")
    src.add_argument("--point-group", metavar="SYMBOL",
                     help="point group symbol, or 'all' for the 32 crystallographic groups "
                          "(symbols starting with '-': write --point-group=-3m)")
    parser.add_argument("--response", required=True,
                        choices=list(RESPONSES),
                        help="response tensor to analyse")
    parser.add_argument("--magmoms", metavar="M", nargs="+",
                        help="magnetic moments, one per atom (collinear along --moment-axis) or "
                             "3 per atom; 'none' ignores moments stored in the structure file")
    parser.add_argument("--moment-axis", metavar="X", nargs=3, type=float, default=[0.0, 0.0, 1.0],
                        help="Cartesian direction of collinear moments")
    parser.add_argument("--symprec", type=float, default=DEFAULT_SYMPREC, metavar="A",
                        help=f"spglib tolerance in Angstrom (default {DEFAULT_SYMPREC:g}, the same "
                             f"as the Hamiltonian symmetrizer of the response commands)")
    parser.add_argument("--json", metavar="FILE", help="also write the result as JSON")


def _parse_magmoms(values, natoms):
    if values is None:
        return None
    if len(values) == 1 and values[0].lower() == "none":
        return np.zeros(natoms)
    try:
        m = np.array([float(v) for v in values])
    except ValueError:
        raise UserError("--magmoms takes numbers (or 'none')")
    if m.size == natoms:
        return m
    if m.size == 3 * natoms:
        return m.reshape(natoms, 3)
    raise UserError(f"--magmoms: {m.size} numbers for {natoms} atoms (need {natoms} or {3 * natoms})")


def _label_fn(spec, basis):
    from ..symmetry.neumann import component_indices, component_labels
    labels = dict(zip(component_indices(spec), component_labels(spec, basis)))
    return lambda idx: labels[tuple(idx)]


def result_dict(response, pg):
    """JSON-ready analysis of ``response`` for point group ``pg``."""
    from ..symmetry.neumann import analyse
    a = analyse(response, pg)
    spec = a.spec
    lab_f, lab_q = _label_fn(spec, "strain"), _label_fn(spec, "Q")
    out = {"response": spec.name, "description": spec.description,
           "hermann_mauguin": pg.hm, "schoenflies": pg.schoenflies, "point_group": pg.summary(),
           "operations": [{"rotation": np.round(R, 12).tolist(), "time_reversal": bool(t)}
                          for R, t in pg.operations()],
           "allowed": a.mask.tolist(),
           "n_independent": a.n_independent,
           "relations": [r.as_dict(lab_f) for r in a.relations],
           "relations_Q": [r.as_dict(lab_q) for r in a.relations_Q]}
    if spec.name == "fcim":
        out["index_order"] = ["alpha (magnetization)", "beta (gradient)",
                              "lambda (x2-y2, 3z2-r2, xy, yz, xz)"]
        out["basis_note"] = ("relations: per-strain responses f_{alpha beta}^lambda "
                             "(M_alpha = f nabla_beta eps_lambda, eps_lambda of the FCIM paper "
                             "Eqs. 6-7 and eps_xy, eps_yz, eps_xz); relations_Q: quadrupole-basis "
                             "responses F = f / (s_lambda g), s = (1,1,2,2,2)")
    elif spec.name == "spin-me":
        out["index_order"] = ["a (spin, axial)", "i (field / gradient, polar)"]
    elif spec.name == "orbital-me":
        out["index_order"] = ["i of chi_i: M_z = chi_i E_i (x, y; z for completeness)"]
    elif spec.name == "nonlinear-hall":
        out["index_order"] = ["a (current)", "b (field)", "c (field)"]
        out["basis_note"] = ("Neumann's principle only: the intrinsic part is also symmetric in "
                             "b, c and obeys j.E = 0 (chi_abc + chi_bca + chi_cab = 0 over the "
                             "symmetrized indices), which symmetry does not impose")
    else:
        out["index_order"] = ["component of the pumped orbital magnetization (x, y, z)"]
    return out, a


def _table(out, a):
    from ..symmetry.neumann import LAMBDA_LABELS, XYZ
    p = out["point_group"]
    lines = [f"point group {p['hermann_mauguin']} ({p['schoenflies']}), order {p['order']}"]
    if "space_group" in p:
        lines[0] += f"; space group {p['space_group']} ({p['space_group_number']})"
    if "magnetic_space_group_bns" in p:
        lines[0] += f"; magnetic space group BNS {p['magnetic_space_group_bns']}"
    lines.append(f"response {out['response']}: {out['description']}")
    mask = np.asarray(out["allowed"])
    if a.spec.name == "fcim":
        head = "      " + "".join(f"{lab:>8}" for lab in LAMBDA_LABELS)
        for al in range(3):
            lines.append(f"M_{XYZ[al]}:" + head[5:])
            for be in range(3):
                lines.append(f"  d_{XYZ[be]}  " + "".join(f"{'*' if v else '.':>8}" for v in mask[al, be]))
    elif a.spec.name == "spin-me":
        lines.append("        " + "".join(f"{'i=' + c:>6}" for c in XYZ))
        for i in range(3):
            lines.append(f"  a={XYZ[i]}  " + "".join(f"{'*' if v else '.':>6}" for v in mask[i]))
    elif a.spec.name == "nonlinear-hall":
        lines.append("  j_a = chi_abc E_b E_c;  rows a, columns bc")
        lines.append("       " + "".join(f"{XYZ[b] + XYZ[c]:>5}" for b in range(3) for c in range(3)))
        for i in range(3):
            lines.append(f"  a={XYZ[i]}  " + "".join(f"{'*' if v else '.':>5}" for v in mask[i].ravel()))
    else:
        lines.append("  " + "  ".join(f"{a.spec.symbol}_{c}: {'*' if v else '.'}" for c, v in zip(XYZ, mask)))
    lines.append(f"allowed (*): {int(mask.sum())} components, {out['n_independent']} independent")
    for r in a.relations:
        lines.append("  " + r.text)
    return "\n".join(lines)


def run(args):
    from ..symmetry import point_group_from_structure, point_group_from_symbol
    from ..symmetry.pointgroups import ALL_HM
    from ..symmetry.structure import read_structure
    if args.point_group and args.point_group.strip().lower() == "all":
        if args.magmoms:
            raise UserError("--magmoms needs a structure")
        results = {}
        for hm in ALL_HM:
            out, _ = result_dict(args.response, point_group_from_symbol(hm))
            results[hm] = out
        for hm, out in results.items():
            mask = np.asarray(out["allowed"])
            print(f"{hm:>7} {out['point_group']['schoenflies']:>4}: {int(mask.sum()):3d} allowed, "
                  f"{out['n_independent']:3d} independent")
        payload = {"version": __version__, "response": args.response, "groups": results}
    else:
        if args.point_group:
            if args.magmoms:
                raise UserError("--magmoms needs a structure, not --point-group")
            pg = point_group_from_symbol(args.point_group)
        else:
            atoms = read_structure(args.structure)
            magmoms = _parse_magmoms(args.magmoms, len(atoms))
            pg = point_group_from_structure(atoms, magmoms=magmoms, symprec=args.symprec,
                                            moment_axis=args.moment_axis)
        out, a = result_dict(args.response, pg)
        print(_table(out, a))
        payload = {"version": __version__, **out}
    if args.json:
        from ..output import dump_json
        dump_json(args.json, payload)
    return 0
