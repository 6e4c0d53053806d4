"""From Wannier90 output files to a labelled :class:`w90resp.tb.TightBinding`.

What the loader decides, and records in ``tb.parameters`` (copied to every output file):

* ``spin_order``: interlaced (Wannier90, QE) or block (VASP) spinors, detected from
  H(R) (:func:`w90resp.io.basis.detect_spin_order`) unless given;
* ``home_cells``: Wannier functions centred next to a periodic image of their atom keep
  that lattice vector: H(R) and r(R) are shifted so that hoppings and orbital positions
  agree (:mod:`w90resp.io.basis`);
* ``pure_basis``: hybrid and local-frame projections are rotated to the pure real s/p/d
  orbitals of their site (:mod:`w90resp.io.projections`);
* ``position_matrix``: 'full' (the _tb.dat r_mn(R) kept), 'diagonal' (orbital positions
  only) or 'absent';
* ``fermi_energy`` (eV) and where it came from.
"""
import os
import warnings

import numpy as np

from ..errors import InputFileError, UserError
from ..orbitals import Orbital
from ..tb import TightBinding
from . import basis
from .win import Win, read_win, orbitals_from_win, orbitals_from_spec, apply_centres, \
    _parse_projection_line
from .wannier90 import (HERMITICITY_TOL, read_tb, read_hr, read_centres_xyz, read_wt_centres,
                        detect_periodic)


def _existing(*paths):
    """The first of ``paths`` that exists, each also looked for gzip-compressed (``.gz``)."""
    for p in paths:
        for q in (p, p + ".gz"):
            if os.path.isfile(q):
                return q
    return None


def _atoms_of(orbitals):
    seen = {}
    for o in orbitals:
        seen.setdefault(o.site, (o.species, o.position))
    return [seen[s] for s in sorted(seen)]


def split_projections(text):
    """'W:d;S:p' -> ['W:d', 'S:p'] (a ';' starts a new entry only before 'site:'), so that
    Wannier90's own 'Si:s;p' stays one entry."""
    import re
    parts = re.split(r";(?=\s*(?:[A-Za-z][A-Za-z0-9_]*|[fFcC]=[^:]*)\s*:)", text)
    return [p.strip() for p in parts if p.strip()]


def win_from_structure(structure, projections, spinors, path_label="--projections"):
    """A :class:`Win` holding the cell and atoms of an ASE-readable ``structure`` file and
    the projections of a Wannier90-syntax string (entries separated by ';')."""
    try:
        import ase.io
        atoms = ase.io.read(structure)
    except FileNotFoundError:
        raise InputFileError(structure, "not found") from None
    except Exception as err:  # ASE raises many types for unreadable files
        raise InputFileError(structure, f"ASE cannot read it as a structure ({err})") from None
    lat = np.array(atoms.cell)
    if abs(np.linalg.det(lat)) < 1e-8:
        raise InputFileError(structure, "the structure has no 3D cell (lattice vectors missing)")
    win = Win(path=path_label, lattice=lat,
              atoms=[(s, p) for s, p in zip(atoms.get_chemical_symbols(), atoms.positions)],
              spinors=bool(spinors))
    if not projections:
        raise UserError("--structure needs --projections (Wannier90 syntax, e.g. 'Mo:d;S:p')")
    for i, entry in enumerate(split_projections(projections), start=1):
        win.projections.append(_parse_projection_line(path_label, i, entry, win.spinors, lat, 1.0))
    return win


def _slab_positions(pos, rvecs, centres, cpath, periodic, lattice, seedname, orbs):
    """A slab's position matrix along its vacuum axis.

    With one k-point along that axis, Wannier90's Berry-phase r_mn(R) there comes from a
    single b-vector per k and depends on the branch of Im ln M at every k: for functions
    near z = c/2 it is meaningless (CrI3 at c/2: diagonal z of -1.0, 0, -2.0 Angstrom for
    centres at 7.99).  So the off-diagonal elements along that axis are dropped (no
    response here uses an out-of-plane current) and the diagonal is taken from
    ``seedname_centres.xyz`` (Wannier90 computes those from the k-product of M), else from
    the atoms.  Returns (pos, centres, note or None).
    """
    axes = [a for a in range(3) if not periodic[a]]
    normal = np.cross(lattice[0], lattice[1])
    normal /= np.linalg.norm(normal)
    if not np.allclose(np.abs(normal), np.eye(3)[axes[0]], atol=1e-8) or len(axes) != 1:
        return pos, centres, None
    ax = axes[0]
    pos = pos.copy()
    nw = pos.shape[1]
    i0 = int(np.nonzero(np.all(np.asarray(rvecs) == 0, axis=1))[0][0])
    old_diag = np.real(np.diagonal(pos[i0, :, :, ax])).copy()
    pos[..., ax] = 0.0
    xyz = _existing(seedname + "_centres.xyz")
    if xyz is not None:
        zc = read_centres_xyz(xyz)[0][:, ax]
        src = os.path.basename(xyz)
    else:
        zc = np.array([o.position[ax] for o in orbs])
        src = "the atoms"
    pos[i0, np.arange(nw), np.arange(nw), ax] = zc
    if centres is not None and "position block" in str(cpath):
        centres = np.array(centres, float)
        centres[:, ax] = zc
    changed = float(np.abs(old_diag - zc).max())
    return pos, centres, (f"slab: position matrix along the vacuum axis not used off the "
                          f"diagonal; heights from {src} (the _tb.dat ones differ by up to "
                          f"{changed:.2f} A: Wannier90's branch for one k along z)")


def _spinful_from_count(nw, n0, ham_path, source):
    """Whether n0 orbital labels describe nw Wannier functions without or with spin."""
    if n0 == nw:
        return False
    if 2 * n0 == nw:
        return True
    raise InputFileError(ham_path, f"{nw} Wannier functions; {source} {n0} orbitals "
                                   f"({2 * n0} with spin)")


def _win_true(win, keyword, default=False):
    """Boolean keyword of a .win (Wannier90 logical syntax)."""
    kw = win.keywords.get(keyword)
    if kw is None:
        return default
    return kw[0].strip().lower().strip(".") in ("true", "t")


def _read_hamiltonian(tb_path, hr_path, mp_grid, herm_tol, src):
    """(lattice or None, rvecs, ham, pos, path) with the degeneracy sum rule checked
    against ``mp_grid`` unless every weight is 1 (files written by WannierBerri, whose
    H(R) are already divided by the weights)."""
    if tb_path:
        data = read_tb(tb_path, herm_tol=herm_tol)
        lat, rvecs, ham, pos, path, line = data.lattice, data.rvecs, data.ham, data.pos, tb_path, 7
        nd = data.ndegen
    else:
        data = read_hr(hr_path, herm_tol=herm_tol)
        lat, rvecs, ham, pos, path, line = None, data.rvecs, data.ham, None, hr_path, 4
        nd = data.ndegen
    if mp_grid is not None and not np.all(nd == 1):
        nk = int(np.prod(mp_grid))
        wsum = float(np.sum(1.0 / nd))
        if abs(wsum - nk) > 1e-6 * nk:
            raise InputFileError(path, f"degeneracy weights give sum 1/ndegen = {wsum:.6f}, but "
                                       f"mp_grid from {src} = {tuple(mp_grid)} has {nk} k points",
                                 line)
    return lat, rvecs, ham, pos, path


def _centres_from(centres, seedname, tb_centres, tb_path, nw, ham_path, win):
    """(centres or None, description, trust_cells): trust_cells says whether the centres
    can locate the cell of each Wannier function (a wrapped centres file cannot)."""
    wrapped = False
    if win is not None and "translate_home_cell" in win.keywords:
        v = win.keywords["translate_home_cell"][0].strip().lower()
        wrapped = v in (".true.", "true", "t", ".t.")
    path = None
    trust = True
    if centres is None:
        if tb_centres is not None:
            centres, path = tb_centres, tb_path + " (position block)"
        else:
            path = _existing(seedname + "_centres.xyz", seedname + "_wannier_centre_WT_format.dat")
            centres = path
            trust = not wrapped
    if isinstance(centres, (str, os.PathLike)):
        path = str(centres)
        centres = (read_centres_xyz(path)[0] if path.endswith((".xyz", ".xyz.gz"))
                   else read_wt_centres(path))
        trust = not wrapped
    if centres is not None:
        centres = np.asarray(centres, float)
        if centres.shape != (nw, 3):
            raise InputFileError(path or "centres", f"{len(centres)} Wannier centres but "
                                                    f"{ham_path} has {nw} Wannier functions")
    return centres, path or "centres", trust


def load_wannier90(seedname, orbitals=None, spin_order=None, periodic=None,
                   quadrupole_sites=None, *, lattice=None, centres=None, positions="atoms",
                   spinors=None, name=None, herm_tol=HERMITICITY_TOL, centre_tol=1.0,
                   structure=None, projections=None, position_matrix="auto",
                   fermi_energy=None, fermi_from=None):
    """A :class:`TightBinding` from Wannier90 output ``seedname_tb.dat`` or ``_hr.dat``.

    Parameters
    ----------
    seedname : path prefix (``dir/MoSSe`` reads ``dir/MoSSe_tb.dat`` if present, else
        ``dir/MoSSe_hr.dat``, and ``dir/MoSSe.win`` if present); a trailing ``_tb.dat``,
        ``_hr.dat`` or ``.win`` is removed first.
    orbitals : labels when there is no usable .win: a list of :class:`Orbital`, or a
        compact spec ``[("Mo", (x, y, z), "d"), ...]`` (Cartesian Angstrom).
    spin_order : None/'auto' (detected from H(R), then centres), 'interlaced' or 'block'.
    structure, projections : instead of a .win: any ASE-readable structure file (POSCAR,
        QE input, cif, ...) and Wannier90 projections 'W:d;S:p'.
    lattice : (3, 3) Angstrom, for an ``_hr.dat`` with neither .win nor structure.
    centres : Wannier centres (nw, 3) or a file; default: the _tb.dat position block, then
        ``seedname_centres.xyz``, then ``seedname_wannier_centre_WT_format.dat``.  They
        are checked against the labelled atoms (``centre_tol`` Angstrom) and locate the
        home cell of every Wannier function.
    positions : orbital positions in the Bloch phase: 'atoms' or 'centres'.
    position_matrix : 'auto' (= 'full' when the _tb.dat has r_mn(R)), 'full', 'diagonal'.
    fermi_energy, fermi_from : E_F in eV, or a file to read it from (QE output, OUTCAR,
        .wout, .win); by default the .win ``fermi_energy`` if any.
    periodic, quadrupole_sites, spinors, name, herm_tol : as before.
    """
    seedname = os.fspath(seedname)
    for suffix in ("_tb.dat", "_hr.dat", ".win"):
        if seedname.endswith(suffix):
            seedname = seedname[:-len(suffix)]
    if spin_order == "auto":
        spin_order = None
    if spin_order not in (None, "interlaced", "block"):
        raise UserError(f"--spin-order must be auto, interlaced or block, got '{spin_order}'")
    if position_matrix not in ("auto", "full", "diagonal"):
        raise UserError(f"--positions must be full or diagonal, got '{position_matrix}'")
    tb_path = _existing(seedname + "_tb.dat")
    hr_path = _existing(seedname + "_hr.dat")
    win_path = _existing(seedname + ".win")
    if tb_path is None and hr_path is None:
        raise InputFileError(seedname + "_hr.dat", "not found (nor " + os.path.basename(seedname)
                             + "_tb.dat)")
    win = read_win(win_path) if win_path else None
    mp_grid = win.mp_grid if win is not None else None
    src = win_path if mp_grid is not None else None
    real_lattice, rvecs, ham, pos, ham_path = _read_hamiltonian(tb_path, hr_path, mp_grid,
                                                                herm_tol, src)
    nw = ham.shape[1]
    notes = []
    mdrs = "no _wsvec.dat"
    ws_path = _existing(seedname + "_wsvec.dat")
    if ws_path is not None:
        from .mdrs import apply_wsvec, read_wsvec
        use_ws, wsvec = read_wsvec(ws_path)
        if use_ws:
            rvecs, ham, pos = apply_wsvec(rvecs, ham, pos, wsvec, ws_path)
            mdrs = f"applied ({os.path.basename(ws_path)}, use_ws_distance = true)"
        else:
            mdrs = "use_ws_distance = false"
    elif win is not None and _win_true(win, "use_ws_distance", default=True):
        mdrs = "no _wsvec.dat"
        notes.append(f"{win_path} uses use_ws_distance (the Wannier90 default) but there is no "
                     f"{os.path.basename(seedname)}_wsvec.dat: H(R) read without the MDRS "
                     f"images, which can break symmetry on coarse grids")
    tb_centres = None
    if pos is not None:
        i0 = int(np.nonzero(np.all(rvecs == 0, axis=1))[0][0])
        tb_centres = np.real(np.diagonal(pos[i0], axis1=0, axis2=1).T).copy()
    if win is not None and win.num_wann is not None and win.num_wann != nw:
        raise InputFileError(win_path, f"num_wann = {win.num_wann} but {ham_path} has "
                                       f"{nw} Wannier functions", win.line_of("num_wann"))
    # --- structure: --structure, else the .win, else lattice= / the _tb.dat
    label_win = win
    if structure is not None:
        spin_guess = spinors
        if spin_guess is None:
            spin_guess = bool(win.spinors) if win is not None else None
        if spin_guess is None:
            probe = win_from_structure(structure, projections, False)
            from .win import _expand
            spin_guess = _spinful_from_count(nw, len(_expand(probe, "interlaced")), ham_path,
                                             "--projections give")
        label_win = win_from_structure(structure, projections, spin_guess)
        if real_lattice is None:
            real_lattice = label_win.lattice
        elif not np.allclose(label_win.lattice, real_lattice, atol=1e-4):
            raise InputFileError(structure, f"cell differs from the lattice in {ham_path}")
    elif projections is not None and win is not None:
        label_win = Win(path="--projections", lattice=win.lattice, atoms=win.atoms,
                        spinors=win.spinors)
        for i, e in enumerate(split_projections(projections), start=1):
            label_win.projections.append(
                _parse_projection_line("--projections", i, e, win.spinors, win.lattice, 1.0))
    elif projections is not None:
        raise UserError("--projections needs --structure (or a .win with the atoms)")
    if real_lattice is None:
        if lattice is not None:
            real_lattice = np.asarray(lattice, float)
        elif win is not None and win.lattice is not None:
            real_lattice = win.lattice
        elif win is not None:
            raise InputFileError(win_path, "no unit_cell_cart block: the lattice of "
                                           f"{os.path.basename(hr_path)} is unknown (or pass "
                                           f"--structure FILE)")
        else:
            raise InputFileError(hr_path, "lattice unknown: no .win file; pass --structure FILE "
                                          "(POSCAR, QE input, cif, ...) and --projections")
    elif win is not None and win.lattice is not None and structure is None and \
            not np.allclose(win.lattice, real_lattice, atol=1e-4):
        raise InputFileError(tb_path, f"lattice differs from unit_cell_cart in {win_path}", 2)

    centres, cpath, trust_cells = _centres_from(centres, seedname, tb_centres, tb_path or "",
                                                nw, ham_path, win)

    # --- spinor order
    spinful = None
    if label_win is not None and label_win.projections and (orbitals is None):
        spinful = bool(label_win.spinors)
    order_reason = None

    def decide_order():
        if spin_order is not None:
            return spin_order, "given (--spin-order)"
        return basis.detect_spin_order(ham, centres, real_lattice, path=ham_path)

    # --- orbital labels
    C = None
    atoms = None
    if orbitals is not None and len(orbitals) and isinstance(orbitals[0], Orbital):
        orbs = list(orbitals)
        if len(orbs) != nw:
            raise InputFileError(ham_path, f"{nw} Wannier functions but {len(orbs)} orbitals given")
        if any(o.spin != "none" for o in orbs):
            order_reason = "from the orbitals given"
    elif orbitals is not None:
        n0 = len(orbitals_from_spec(orbitals)[0])
        if spinors is None:
            spinors = _spinful_from_count(nw, n0, ham_path, "the orbital spec gives")
        order = "interlaced"
        if spinors:
            order, order_reason = decide_order()
        orbs, atoms = orbitals_from_spec(orbitals, spinors=bool(spinors), spin_order=order)
        if len(orbs) != nw:
            raise InputFileError(ham_path, f"{nw} Wannier functions but the orbital spec gives "
                                           f"{len(orbs)}")
    elif label_win is not None and label_win.projections:
        order = "interlaced"
        if spinful:
            order, order_reason = decide_order()
        orbs, C = orbitals_from_win(label_win, spin_order=order, num_wann=nw,
                                    num_wann_source=ham_path, return_transform=True)
        atoms = list(label_win.atoms)
    else:
        where = win_path if win is not None else ham_path
        raise InputFileError(where, "orbital labels unknown: no projections block; pass "
                                    "--structure FILE --projections 'W:d;S:p' (Wannier90 syntax)")
    if atoms is None:
        atoms = list(label_win.atoms) if (label_win is not None and label_win.atoms) \
            else _atoms_of(orbs)

    if periodic is None:
        periodic = detect_periodic(real_lattice, rvecs, atoms, mp_grid)
    if pos is not None and not all(periodic):
        pos, centres, note = _slab_positions(pos, rvecs, centres, cpath, periodic, real_lattice,
                                             seedname, orbs)
        if note:
            notes.append(note)
    # --- centres: check against labels, home cells, orbital positions
    home = "no centres: Wannier functions taken in their atoms' cells"
    if centres is not None:
        site_pos = {}
        for o in orbs:
            site_pos.setdefault(o.site, o.position)
        check = centres
        if C is not None:
            from .win import _site_mean_centres
            check = _site_mean_centres(orbs, centres, real_lattice, C)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            apply_centres(orbs, check, real_lattice, "atoms", centre_tol, path=cpath)
        notes += [str(w.message) for w in caught]
        for w in caught:
            warnings.warn(w.message, stacklevel=2)
        L, dist = basis.home_cells(centres, [o.site for o in orbs], real_lattice, site_pos)
        if C is not None:
            far = float(dist.max())
            notes.append(f"hybrid/rotated projections: Wannier centres up to {far:.2f} A from "
                         f"their atoms; labels rest on the projections")
        moved = int(np.count_nonzero(np.any(L[:, list(periodic)] != 0, axis=1)))
        if not trust_cells:
            home = (f"{cpath} is wrapped into the home cell (translate_home_cell): cells of the "
                    f"Wannier functions cannot be told, taken as their atoms' cells")
            if moved:
                notes.append(home)
        else:
            if np.any(L):
                rvecs, ham, pos = basis.shift_home_cells(rvecs, ham, pos, L, real_lattice,
                                                         periodic)
            home = (f"{moved} Wannier functions centred in a neighbouring cell of their atom: "
                    f"H(R) shifted" if moved else
                    "every Wannier function is centred in its atom's cell")
        if trust_cells and np.any(L != 0):
            centres = centres - L @ real_lattice
    if C is not None:
        ham, pos = basis.rotate_basis(ham, pos, C)
        rotated = sorted({o.site for o, col in zip(orbs, C.T) if abs(abs(col).max() - 1) > 1e-12
                          or np.count_nonzero(np.abs(col) > 1e-12) > 1})
        pure_note = (f"hybrid/local-frame projections on atoms {[s + 1 for s in rotated]} rotated "
                     f"to pure s/p/d orbitals" if rotated else "pure orbitals")
    else:
        pure_note = "pure orbitals"
    if positions not in ("atoms", "centres"):
        raise ValueError(f"positions must be 'atoms' or 'centres', got '{positions}'")
    if positions == "centres":
        if centres is None:
            raise ValueError("positions='centres' needs centres")
        cent = centres if C is None else _rotated_centres(orbs, centres, real_lattice, C)
        orbs = [Orbital(o.site, o.species, o.position + _nearest(c - o.position, real_lattice),
                        o.shell, o.orbital, o.spin) for o, c in zip(orbs, cent)]

    # --- position matrix
    if position_matrix == "full" and pos is None:
        raise UserError(f"--positions full: {ham_path} has no position matrix (a _tb.dat "
                        f"written with write_tb = true has one)")
    use_full = pos is not None and position_matrix in ("auto", "full")
    pm_kind = "full" if use_full else ("diagonal" if pos is not None else "absent")

    # --- Fermi level
    ef, ef_src = None, None
    if fermi_energy is not None:
        ef, ef_src = float(fermi_energy), "given (--fermi-energy)"
    elif fermi_from is not None:
        from .fermi import fermi_from_file
        ef, ef_src = fermi_from_file(fermi_from)
    elif win is not None:
        from .fermi import win_fermi_energy
        ef = win_fermi_energy(win)
        ef_src = f"fermi_energy in {win_path}" if ef is not None else None

    hoppings = {tuple(int(x) for x in R): h for R, h in zip(rvecs, ham)}
    pmat = ({tuple(int(x) for x in R): r for R, r in zip(rvecs, pos)} if use_full else None)
    params = {"source": os.path.basename(ham_path), "mdrs": mdrs, "home_cells": home,
              "basis": pure_note,
              "position_matrix": pm_kind}
    if any(o.spin != "none" for o in orbs):
        params["spin_order"] = _order_of(orbs)
        params["spin_order_reason"] = order_reason or "Wannier90 order"
    if ef is not None:
        params["fermi_energy"] = ef
        params["fermi_energy_source"] = ef_src
    if notes:
        params["notes"] = notes
    if mp_grid is not None:
        params["mp_grid"] = [int(x) for x in mp_grid]
    return TightBinding(
        name=name or os.path.basename(seedname), real_lattice=real_lattice, orbitals=orbs,
        hoppings=hoppings, periodic=tuple(periodic), energy_unit="eV", length_unit="Angstrom",
        atoms=[(lab, np.asarray(p, float)) for lab, p in atoms],
        parameters=params, quadrupole_sites=quadrupole_sites, position_matrix=pmat)


def _order_of(orbs):
    spins = [o.spin for o in orbs]
    half = len(spins) // 2
    if all(s == "up" for s in spins[:half]) and all(s == "down" for s in spins[half:]) and half > 1:
        return "block"
    return "interlaced" if spins[0::2] == ["up"] * len(spins[0::2]) else "mixed"


def _nearest(d, lattice):
    from .win import _minimum_image
    return _minimum_image(d, lattice)


def _rotated_centres(orbs, centres, lattice, C):
    from .win import _site_mean_centres
    return _site_mean_centres(orbs, centres, lattice, C)
