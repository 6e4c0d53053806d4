"""Point groups of crystal structures with spglib (ASE for reading files).

Operations are returned in the Cartesian frame of the input structure (the frame in which
calculators report tensors), not in a standardized one.  For magnetic structures the
magnetic point group comes from ``spglib.get_magnetic_symmetry_dataset``: moments are
axial vectors; scalar (collinear) moments are taken along ``moment_axis`` (Cartesian,
default z), because with spin–orbit coupling the direction of the moments matters.
"""
from __future__ import annotations

import os
import re
import warnings

import numpy as np

from ..errors import InputFileError, UserError
from .pointgroups import closure, describe, _canonical


def cartesian_rotation(lattice, W):
    """Cartesian matrix of a rotation W given in fractional coordinates (lattice rows)."""
    L = np.asarray(lattice, float)
    return L.T @ np.asarray(W, float) @ np.linalg.inv(L.T)


def _moments(magmoms, natoms, moment_axis):
    if magmoms is None:
        return None
    m = np.asarray(magmoms, float)
    if m.ndim == 1:
        if m.shape[0] != natoms:
            raise UserError(f"{m.shape[0]} magnetic moments given for {natoms} atoms")
        axis = np.asarray(moment_axis, float)
        m = m[:, None] * axis[None, :] / np.linalg.norm(axis)
    elif m.shape != (natoms, 3):
        raise UserError(f"magnetic moments must have shape ({natoms},) or ({natoms}, 3)")
    if np.allclose(m, 0):
        return None
    return m


def point_group_from_cell(lattice, positions, numbers, magmoms=None, symprec=1e-5,
                          moment_axis=(0.0, 0.0, 1.0)):
    """Point group of a crystal.

    Parameters
    ----------
    lattice : (3, 3) array, rows are the lattice vectors (Å, Cartesian).
    positions : (n, 3) fractional coordinates.
    numbers : (n,) atomic numbers (or any integer species labels).
    magmoms : None, (n,) collinear moments along ``moment_axis``, or (n, 3) vectors.
        None or all zero: nonmagnetic (time reversal is then a symmetry and is included
        as the primed identity, giving a grey group ``G1'``).

    Returns
    -------
    :class:`~w90resp.symmetry.pointgroups.PointGroup` with Cartesian operations, symbols,
    and ``info`` holding the space group (number, HM symbol) and for magnetic structures
    the magnetic space group (UNI and BNS numbers, type).
    """
    lattice = np.asarray(lattice, float)
    positions = np.asarray(positions, float)
    numbers = np.asarray(numbers, int)
    import spglib
    mom = _moments(magmoms, len(numbers), moment_axis)
    info = {"source": "structure"}
    ds = _spglib_call(spglib.get_symmetry_dataset, (lattice, positions, numbers), symprec=symprec)
    if ds is None:
        raise UserError("spglib could not determine the symmetry of the structure")
    info.update(space_group_number=int(ds.number), space_group=str(ds.international),
                spglib_point_group=str(ds.pointgroup))
    if mom is None:
        ops = [(cartesian_rotation(lattice, W), False) for W in ds.rotations]
        ops.append((np.eye(3), True))
        ops = _unique(ops)
        pg = describe(closure(ops), info)
        # nonmagnetic: report the ordinary group; time reversal is listed as an operation
        pg.info.update(time_reversal_symmetric=True, magnetic_point_group=pg.hm,
                       magnetic_point_group_schoenflies=pg.schoenflies)
        pg.hm, pg.schoenflies = pg.family_hm, pg.family_schoenflies
        return pg
    mds = _spglib_call(spglib.get_magnetic_symmetry_dataset, (lattice, positions, numbers, mom),
                       symprec=symprec)
    if mds is None:
        raise UserError("spglib could not determine the magnetic symmetry of the structure")
    ops = _unique([(cartesian_rotation(lattice, W), bool(t))
                   for W, t in zip(mds.rotations, mds.time_reversals)])
    mtype = _spglib_call(spglib.get_magnetic_spacegroup_type, mds.uni_number)
    info.update(magnetic_space_group_uni_number=int(mds.uni_number), time_reversal_symmetric=False)
    if mtype is not None:
        info.update(magnetic_space_group_bns=str(mtype.bns_number),
                    magnetic_space_group_og=str(mtype.og_number),
                    magnetic_space_group_type=int(mtype.type))
    pg = describe(closure(ops), info)
    return pg


def _spglib_call(func, cell, **kw):
    """Call spglib quietly; its failures become None (reported by the caller)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return func(cell, **kw)
        except Exception:  # spglib.error.SpglibError with the new error handling
            return None


def _unique(ops):
    seen = {}
    for R, t in ops:
        seen.setdefault((_canonical(R), t), (R, t))
    return list(seen.values())


def read_structure(path):
    """Read a structure with ASE; Wannier90 ``.win`` files are read here."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise UserError(f"{path}: no such file")
    if path.endswith(".win"):
        return read_win(path)
    import ase.io
    try:
        return ase.io.read(path)
    except Exception as err:  # ASE raises many kinds of errors for unreadable files
        raise InputFileError(path, f"ASE could not read the structure ({type(err).__name__}: {err})")


def _block(text, name):
    m = re.search(rf"^\s*begin\s+{name}\s*$(.*?)^\s*end\s+{name}\s*$", text,
                  re.IGNORECASE | re.MULTILINE | re.DOTALL)
    if not m:
        return None
    lines = [ln.split("!")[0].split("#")[0].strip() for ln in m.group(1).splitlines()]
    return [ln for ln in lines if ln]


def read_win(path):
    """Minimal reader for the structure in a Wannier90 ``.win`` file
    (``unit_cell_cart`` and ``atoms_frac`` or ``atoms_cart``; ``bohr`` units allowed)."""
    from ase import Atoms
    text = open(path).read()
    bohr = 0.529177210903
    cell = _block(text, "unit_cell_cart")
    if not cell:
        raise InputFileError(path, "no unit_cell_cart block")
    scale = 1.0
    if cell[0].lower() in ("bohr", "ang"):
        scale = bohr if cell[0].lower() == "bohr" else 1.0
        cell = cell[1:]
    lattice = np.array([[float(x) for x in ln.split()[:3]] for ln in cell[:3]]) * scale
    frac = _block(text, "atoms_frac")
    cart = _block(text, "atoms_cart")
    rows = frac if frac else cart
    if not rows:
        raise InputFileError(path, "no atoms_frac or atoms_cart block")
    cscale = 1.0
    if not frac and rows[0].lower() in ("bohr", "ang"):
        cscale = bohr if rows[0].lower() == "bohr" else 1.0
        rows = rows[1:]
    symbols = [re.sub(r"[^A-Za-z].*$", "", ln.split()[0]) for ln in rows]
    xyz = np.array([[float(x) for x in ln.split()[1:4]] for ln in rows])
    if frac:
        return Atoms(symbols=symbols, scaled_positions=xyz, cell=lattice, pbc=True)
    return Atoms(symbols=symbols, positions=xyz * cscale, cell=lattice, pbc=True)


def point_group_from_structure(atoms_or_path, magmoms=None, symprec=1e-5,
                               moment_axis=(0.0, 0.0, 1.0)):
    """Point group of an ASE ``Atoms`` object or of a structure file (anything ASE reads,
    e.g. Quantum ESPRESSO input/output, plus Wannier90 ``.win``).

    ``magmoms``: None uses the structure's initial magnetic moments if any are nonzero
    (e.g. set with ``atoms.set_initial_magnetic_moments``); pass zeros to force a
    nonmagnetic analysis, or (n,) / (n, 3) moments (see :func:`point_group_from_cell`).
    """
    if isinstance(atoms_or_path, (str, os.PathLike)):
        atoms = read_structure(atoms_or_path)
    else:
        atoms = atoms_or_path
    if magmoms is None and atoms.has("initial_magmoms"):
        magmoms = atoms.get_initial_magnetic_moments()
    numbers = _species_numbers(atoms)
    return point_group_from_cell(np.array(atoms.cell), atoms.get_scaled_positions(wrap=True),
                                 numbers, magmoms=magmoms, symprec=symprec, moment_axis=moment_axis)


def _species_numbers(atoms):
    """Integer species: atomic number, distinguished further by ASE tags if present."""
    z = atoms.get_atomic_numbers()
    tags = atoms.get_tags()
    return np.array(z) * 1000 + np.array(tags)
