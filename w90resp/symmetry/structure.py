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



#: spglib tolerance (Angstrom) used by every symmetry step unless the user gives another:
#: the point-group table, the k-point reduction and the Hamiltonian symmetrizer.  Wannier90
#: and DFT files often carry positions to 1e-4..1e-6 relative accuracy, so spglib's own
#: default (1e-5) can miss operations that the Hamiltonian has.
DEFAULT_SYMPREC = 1e-3

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


def point_group_from_cell(lattice, positions, numbers, magmoms=None, symprec=DEFAULT_SYMPREC,
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


def read_win(path):
    """The structure of a Wannier90 ``.win`` file as ASE ``Atoms`` (read by the package's
    one ``.win`` reader, :func:`w90resp.io.win.read_win`)."""
    from ase import Atoms
    from ..io.win import read_win as _read
    win = _read(path)
    if win.lattice is None:
        raise InputFileError(path, "no unit_cell_cart block")
    if not win.atoms:
        raise InputFileError(path, "no atoms_frac or atoms_cart block")
    symbols = [re.sub(r"[^A-Za-z].*$", "", lab) for lab, _ in win.atoms]
    try:
        atoms = Atoms(symbols=symbols, positions=[p for _, p in win.atoms], cell=win.lattice,
                      pbc=True)
    except KeyError as err:
        raise InputFileError(path, f"atom label {err} is not a chemical symbol",
                             win.atoms_line) from None
    return atoms


def point_group_from_structure(atoms_or_path, magmoms=None, symprec=DEFAULT_SYMPREC,
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
