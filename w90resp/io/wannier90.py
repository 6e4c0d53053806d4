"""Reading (and writing) Wannier90 output: ``_hr.dat``, ``_tb.dat``, centres, and a loader.

File formats (Wannier90 User Guide, "Files"; ``hamiltonian_write_hr`` and
``hamiltonian_write_tb`` in Wannier90's ``hamiltonian.F90``):

``seedname_hr.dat``
    header line; num_wann; nrpts; nrpts degeneracy weights (15 per line); then
    nrpts * num_wann**2 lines ``R1 R2 R3 m n Re Im`` with m running fastest, H in eV.
``seedname_tb.dat``
    header line; a1, a2, a3 (Angstrom, one per line); num_wann; nrpts; degeneracies;
    then per R a blank line, ``R1 R2 R3`` and num_wann**2 lines ``m n Re Im``; then the
    same for <m0|r|nR> with lines ``m n Re(x) Im(x) Re(y) Im(y) Re(z) Im(z)`` (Angstrom).

Wannier90 writes the raw Fourier sums; the physical H_mn(R) = <m0|H|nR> is the written
value divided by the degeneracy ndegen(R) (H(k) = sum_R H_file(R) e^{ik.R} / ndegen(R)).
The readers return the divided values.  The weights satisfy sum_R 1/ndegen(R) = N_k, the
number of k points of the ab-initio grid (``mp_grid``); this is checked.
"""
import os
from typing import NamedTuple, Optional

import numpy as np

from ..errors import InputFileError
from ..orbitals import Orbital
from ..tb import TightBinding
from ._text import (read_lines, single_int_line, read_degeneracies, numeric_table,
                    parse_float)

#: default tolerance (eV) of the check H(R) = H(-R)^dagger: Wannier90 prints H with six
#: decimals (F12.6), so two independently rounded partners may differ by up to 1e-6.
HERMITICITY_TOL = 1e-6


class HRData(NamedTuple):
    """Contents of ``seedname_hr.dat``: H[iR] = H(R = rvecs[iR]) already divided by ndegen."""
    num_wann: int
    rvecs: np.ndarray      # (nR, 3) int, reduced (lattice) coordinates
    ndegen: np.ndarray     # (nR,) int
    ham: np.ndarray        # (nR, nw, nw) complex, eV, H_mn(R) = <m0|H|nR>


class TBData(NamedTuple):
    """Contents of ``seedname_tb.dat`` (divided by ndegen)."""
    lattice: np.ndarray    # (3, 3) rows a1, a2, a3 in Angstrom
    rvecs: np.ndarray      # (nR, 3) int
    ndegen: np.ndarray     # (nR,) int
    ham: np.ndarray        # (nR, nw, nw) complex, eV
    pos: Optional[np.ndarray]  # (nR, nw, nw, 3) complex <m0|r|nR> (Angstrom), or None

    @property
    def num_wann(self):
        return self.ham.shape[1]

    @property
    def centres(self):
        """Wannier centres <n0|r|n0> (nw, 3), or None without a position block."""
        if self.pos is None:
            return None
        i0 = _index_of_origin(self.rvecs)
        return np.real(np.diagonal(self.pos[i0], axis1=0, axis2=1).T).copy()


def _index_of_origin(rvecs):
    hits = np.nonzero(np.all(rvecs == 0, axis=1))[0]
    return int(hits[0]) if len(hits) else None


# ------------------------------------------------------------------------- checks
def _parse_matrix_blocks(path, rows, linenos, nrpts, nw, with_r, ncols, what):
    """Shared decoding of the (R, m, n, values) tables of _hr.dat / _tb.dat.

    ``rows`` : float array (nrpts*nw*nw, ncols); when ``with_r`` the first three columns
    are R, followed by m, n.  Returns (R per block, values (nR, nw, nw, nval)).
    """
    off = 3 if with_r else 0
    _check_mn(path, rows[:, off:off + 2], linenos, nw, what)
    blk = rows.reshape(nrpts, nw * nw, ncols)
    vals = blk[:, :, off + 2:]
    nval = vals.shape[-1] // 2
    cplx = vals[:, :, 0::2] + 1j * vals[:, :, 1::2]
    # row index k = (n-1)*nw + (m-1): reshape to (nR, n, m, nval) and swap to (nR, m, n)
    cplx = cplx.reshape(nrpts, nw, nw, nval).transpose(0, 2, 1, 3)
    return blk, cplx


def _check_mn(path, mn, linenos, nw, what):
    """Row k of a matrix table must hold m = k % nw + 1, n = (k // nw) % nw + 1."""
    k = np.arange(len(mn))
    expect_m = k % nw + 1
    expect_n = (k // nw) % nw + 1
    bad = np.nonzero((mn[:, 0] != expect_m) | (mn[:, 1] != expect_n))[0]
    if len(bad):
        i = bad[0]
        raise InputFileError(path, f"{what}: expected m = {expect_m[i]}, n = {expect_n[i]} "
                                   f"(num_wann = {nw}, m running fastest), found m = "
                                   f"{int(mn[i, 0])}, n = {int(mn[i, 1])}", linenos[i])


def check_hamiltonian(path, rvecs, ndegen, ham, block_lines, mp_grid=None, mp_grid_source=None,
                      herm_tol=HERMITICITY_TOL, degeneracy_line=None):
    """Consistency of H(R): unique R, R = 0 present, weights, H(R) = H(-R)^dagger.

    ``block_lines[iR]`` is the line where block iR starts (for messages).
    """
    index = {}
    for i, R in enumerate(tuple(int(x) for x in r) for r in rvecs):
        if R in index:
            raise InputFileError(path, f"R = {R} appears twice (first block at line "
                                       f"{block_lines[index[R]]})", block_lines[i])
        index[R] = i
    if (0, 0, 0) not in index:
        raise InputFileError(path, f"no block for R = (0, 0, 0) among the {len(index)} R vectors "
                                   f"(blocks start here)", block_lines[0])
    wsum = float(np.sum(1.0 / ndegen))
    if mp_grid is not None:
        nk = int(np.prod(mp_grid))
        if abs(wsum - nk) > 1e-6 * nk:
            src = f" from {mp_grid_source}" if mp_grid_source else ""
            raise InputFileError(path, f"degeneracy weights give sum 1/ndegen = {wsum:.6f}, but "
                                       f"mp_grid{src} = {tuple(mp_grid)} has {nk} k points",
                                 degeneracy_line)
    elif abs(wsum - round(wsum)) > 1e-6 * max(wsum, 1.0) or round(wsum) < 1:
        raise InputFileError(path, f"degeneracy weights give sum 1/ndegen = {wsum:.6f}, which is "
                                   f"not an integer number of k points", degeneracy_line)
    worst = (0.0, None)
    for R, i in index.items():
        mR = tuple(-x for x in R)
        j = index.get(mR)
        if j is None:
            raise InputFileError(path, f"R = {R} has no partner block -R = {mR} (H(-R) = "
                                       f"H(R)^dagger is required)", block_lines[i])
        err = float(np.abs(ham[i] - ham[j].conj().T).max())
        if err > worst[0]:
            worst = (err, i)
    if worst[0] > herm_tol + 1e-12:
        i = worst[1]
        R = tuple(int(x) for x in rvecs[i])
        raise InputFileError(path, f"H is not Hermitian: max |H(R) - H(-R)^dagger| = "
                                   f"{worst[0]:.3g} eV at R = {R} (tolerance {herm_tol:g} eV)",
                             block_lines[i])


# ------------------------------------------------------------------------- _hr.dat
def read_hr(path, mp_grid=None, herm_tol=HERMITICITY_TOL, mp_grid_source=None):
    """Reads ``seedname_hr.dat``.

    Returns :class:`HRData` ``(num_wann, rvecs, ndegen, ham)`` with ``ham[iR]`` the
    Hamiltonian H_mn(R) = <m0|H|nR> in eV divided by ``ndegen[iR]``.  With ``mp_grid``
    the degeneracy sum rule sum 1/ndegen = prod(mp_grid) is checked, otherwise only that
    the sum is an integer.  All problems raise :class:`InputFileError` with file and line.
    """
    path = str(path)
    lines = read_lines(path)
    if not lines:
        raise InputFileError(path, "file is empty", 1)
    nw = single_int_line(path, lines, 1, "num_wann")
    nrpts = single_int_line(path, lines, 2, "nrpts (number of R vectors)")
    ndegen, start = read_degeneracies(path, lines, 3, nrpts)
    ndata = nrpts * nw * nw
    # data lines: skip blank lines (none in Wannier90's output, tolerated)
    idx = [i for i in range(start, len(lines)) if lines[i].strip()]
    if not idx:
        raise InputFileError(path, f"file ends before the H(R) data ({ndata} lines expected)",
                             len(lines) + 1)
    linenos = [i + 1 for i in idx]
    rows = numeric_table(path, [lines[i] for i in idx], linenos, 7, [0, 1, 2, 3, 4],
                         "H(R) line 'R1 R2 R3 m n Re Im'")
    # the m, n pattern first: it names the line where a wrong num_wann shows up
    _check_mn(path, rows[:ndata, 3:5], linenos, nw, "H(R) line")
    if len(idx) < ndata:
        got_blocks = len(idx) // (nw * nw)
        raise InputFileError(path, f"file ends after {len(idx)} data lines; nrpts = {nrpts} and "
                                   f"num_wann = {nw} need {ndata} ({got_blocks} complete R blocks "
                                   f"found: truncated file or wrong nrpts?)",
                             len(lines) + 1 if not idx else idx[-1] + 2)
    if len(idx) > ndata:
        raise InputFileError(path, f"extra data after the {nrpts} R blocks announced by nrpts "
                                   f"(wrong nrpts or num_wann?)", idx[ndata] + 1)
    rows, linenos = rows[:ndata], linenos[:ndata]
    blk, cplx = _parse_matrix_blocks(path, rows, linenos, nrpts, nw, True, 7, "H(R) line")
    Rs = blk[:, :, :3]
    diff = np.any(Rs != Rs[:, :1, :], axis=2)
    if diff.any():
        ir, k = np.argwhere(diff)[0]
        raise InputFileError(path, f"R changes inside a block of num_wann^2 = {nw * nw} lines "
                                   f"(expected R = {tuple(int(x) for x in Rs[ir, 0])}; wrong "
                                   f"num_wann?)", linenos[ir * nw * nw + k])
    rvecs = Rs[:, 0, :].astype(int)
    ham = cplx[..., 0] / ndegen[:, None, None]
    block_lines = [linenos[i * nw * nw] for i in range(nrpts)]
    check_hamiltonian(path, rvecs, ndegen, ham, block_lines, mp_grid, mp_grid_source, herm_tol,
                      degeneracy_line=4)
    return HRData(nw, rvecs, ndegen, ham)


# ------------------------------------------------------------------------- _tb.dat
def read_tb(path, mp_grid=None, herm_tol=HERMITICITY_TOL, mp_grid_source=None):
    """Reads ``seedname_tb.dat``.

    Returns :class:`TBData` ``(lattice, rvecs, ndegen, ham, pos)``: lattice rows in
    Angstrom, H(R) in eV and the position matrix <m0|r|nR> (Angstrom, shape
    (nR, nw, nw, 3), Wannier90's convention: the R = 0 diagonal holds the Wannier
    centres) both divided by ndegen; ``pos`` is None if the file has no position block.
    """
    path = str(path)
    lines = read_lines(path)
    if not lines:
        raise InputFileError(path, "file is empty", 1)
    lattice = np.zeros((3, 3))
    for i in range(3):
        no = i + 2
        if no > len(lines):
            raise InputFileError(path, "file ends inside the lattice vectors", no)
        toks = lines[no - 1].split()
        if len(toks) != 3:
            raise InputFileError(path, f"lattice vector a{i + 1}: expected 3 numbers, found "
                                       f"'{lines[no - 1].strip()}'", no)
        lattice[i] = [parse_float(path, t, no, f"lattice vector a{i + 1}") for t in toks]
    if abs(np.linalg.det(lattice)) < 1e-8:
        raise InputFileError(path, "lattice vectors are linearly dependent", 2)
    nw = single_int_line(path, lines, 4, "num_wann")
    nrpts = single_int_line(path, lines, 5, "nrpts (number of R vectors)")
    ndegen, start = read_degeneracies(path, lines, 6, nrpts)
    idx = [i for i in range(start, len(lines)) if lines[i].strip()]
    per_block = 1 + nw * nw
    nham = nrpts * per_block
    if len(idx) < nham:
        raise InputFileError(path, f"file ends inside the Hamiltonian blocks: nrpts = {nrpts} "
                                   f"blocks of 1 + num_wann^2 = {per_block} lines needed, "
                                   f"{len(idx) // per_block} complete blocks found (truncated file or "
                                   f"wrong nrpts/num_wann?)",
                             len(lines) + 1 if not idx else idx[-1] + 2)

    def blocks(section, ncols, what):
        r_lines = [section[b * per_block] for b in range(nrpts)]
        r_nos = [i + 1 for i in r_lines]
        rv = numeric_table(path, [lines[i] for i in r_lines], r_nos, 3, [0, 1, 2],
                           f"R line of the {what} block")
        data = [i for b in range(nrpts) for i in section[b * per_block + 1:(b + 1) * per_block]]
        nos = [i + 1 for i in data]
        rows = numeric_table(path, [lines[i] for i in data], nos, ncols, [0, 1],
                             f"{what} line")
        _, cplx = _parse_matrix_blocks(path, rows, nos, nrpts, nw, False, ncols, f"{what} line")
        return rv.astype(int), cplx, r_nos

    rvecs, hc, block_lines = blocks(idx[:nham], 4, "H(R)")
    ham = hc[..., 0] / ndegen[:, None, None]
    rest = idx[nham:]
    pos = None
    if rest:
        if len(rest) < nham:
            raise InputFileError(path, f"file ends inside the position blocks: "
                                       f"{len(rest) // per_block} of nrpts = {nrpts} complete",
                                 rest[-1] + 2)
        if len(rest) > nham:
            raise InputFileError(path, f"extra data after the {nrpts} position blocks (wrong "
                                       f"nrpts or num_wann?)", rest[nham] + 1)
        rv2, pc, r_nos2 = blocks(rest, 8, "position")
        for b in range(nrpts):
            if tuple(rv2[b]) != tuple(rvecs[b]):
                raise InputFileError(path, f"position block {b + 1} has R = {tuple(int(x) for x in rv2[b])}, the "
                                           f"Hamiltonian block {b + 1} had R = {tuple(int(x) for x in rvecs[b])}",
                                     r_nos2[b])
        pos = pc / ndegen[:, None, None, None]
    check_hamiltonian(path, rvecs, ndegen, ham, block_lines, mp_grid, mp_grid_source, herm_tol,
                      degeneracy_line=7)
    return TBData(lattice, rvecs, ndegen, ham, pos)


# ------------------------------------------------------------------------- centres
def read_centres_xyz(path):
    """Reads ``seedname_centres.xyz``.

    Returns (centres (nw, 3), atoms [(symbol, position)]) in Angstrom; Wannier centres are
    the lines labelled ``X`` (written first by Wannier90), the remaining lines are atoms.
    Wannier90 may translate each centre to the home cell.
    """
    path = str(path)
    lines = read_lines(path)
    if not lines:
        raise InputFileError(path, "file is empty", 1)
    toks = lines[0].split()
    if len(toks) != 1:
        raise InputFileError(path, f"first line must hold the number of entries, found "
                                   f"'{lines[0].strip()}'", 1)
    n = single_int_line(path, lines, 0, "number of entries")
    body = [(i + 1, lines[i]) for i in range(2, len(lines)) if lines[i].strip()]
    if len(body) < n:
        raise InputFileError(path, f"{n} entries announced, only {len(body)} present",
                             len(lines) + 1)
    if len(body) > n:
        raise InputFileError(path, f"{n} entries announced, {len(body)} present", body[n][0])
    centres, atoms = [], []
    for no, text in body:
        t = text.split()
        if len(t) != 4:
            raise InputFileError(path, f"expected 'symbol x y z', found '{text.strip()}'", no)
        xyz = np.array([parse_float(path, v, no, "coordinate") for v in t[1:]])
        if t[0].upper() == "X":
            if atoms:
                raise InputFileError(path, "Wannier centre (X) after the atoms", no)
            centres.append(xyz)
        else:
            atoms.append((t[0], xyz))
    if not centres:
        raise InputFileError(path, "no Wannier centres (lines starting with X)")
    return np.array(centres), atoms


def read_wt_centres(path, layout="wannierberri"):
    """Reads ``seedname_wannier_centre_WT_format.dat`` (one ``x y z`` line per WF, Angstrom).

    ``layout='wannierberri'`` (default): the file lists the Wannier functions 1, 3, 5, ...
    and then 2, 4, 6, ... (what WannierBerri's writer produces and its reader assumes);
    they are returned in Wannier-function order.  ``layout='plain'``: file order.
    """
    path = str(path)
    if layout not in ("wannierberri", "plain"):
        raise ValueError(f"layout must be 'wannierberri' or 'plain', got '{layout}'")
    lines = read_lines(path)
    rows = []
    for i, text in enumerate(lines):
        t = text.split()
        if not t:
            continue
        if len(t) != 3:
            raise InputFileError(path, f"expected 'x y z', found '{text.strip()}'", i + 1)
        rows.append([parse_float(path, v, i + 1, "coordinate") for v in t])
    if not rows:
        raise InputFileError(path, "no centres in file")
    data = np.array(rows)
    if layout == "plain":
        return data
    if len(data) % 2:
        raise InputFileError(path, f"odd number of centres ({len(data)}) cannot be in "
                                   f"WannierBerri's two-half layout; use layout='plain'")
    out = np.empty_like(data)
    half = len(data) // 2
    out[0::2] = data[:half]
    out[1::2] = data[half:]
    return out


def spin_order_from_centres(centres, lattice=None, tol=0.05, path="centres"):
    """'interlaced' if WFs (2i, 2i+1) share their centres, 'block' if WF i and i + nw/2 do.

    Raises InputFileError if neither (or both, i.e. ambiguous) within ``tol`` Angstrom.
    """
    from .win import _minimum_image
    c = np.asarray(centres, float)
    n = len(c)
    if n % 2:
        raise InputFileError(path, f"odd number of Wannier functions ({n}): not spinful data")

    def same(a, b):
        return all(np.linalg.norm(_minimum_image(x - y, lattice)) < tol for x, y in zip(a, b))

    inter = same(c[0::2], c[1::2])
    block = same(c[:n // 2], c[n // 2:])
    if inter and not block:
        return "interlaced"
    if block and not inter:
        return "block"
    why = "both orderings fit the centres" if inter else "centres pair up in neither ordering"
    raise InputFileError(path, f"spinor ordering cannot be determined ({why}); pass "
                               f"spin_order='interlaced' or 'block'")


# ------------------------------------------------------------------------- writing
def _grid_rvectors(hoppings):
    """Smallest odd box containing all R of ``hoppings``: (list of R, mp_grid)."""
    R = np.array(list(hoppings), dtype=int)
    n = np.abs(R).max(axis=0)
    grid = tuple(int(2 * x + 1) for x in n)
    box = [(a, b, c) for a in range(-n[0], n[0] + 1) for b in range(-n[1], n[1] + 1)
           for c in range(-n[2], n[2] + 1)]
    return box, grid


def _write_header_and_weights(fh, header, nw, rlist, ndegen):
    fh.write(f" {header}\n")
    fh.write(f"{nw:12d}\n{len(rlist):12d}\n")
    for i in range(0, len(rlist), 15):
        fh.write("".join(f"{ndegen[R]:5d}" for R in rlist[i:i + 15]) + "\n")


def _prepare(tb, ndegen):
    if ndegen is None:
        rlist, grid = _grid_rvectors(tb.hoppings)
        weights = {R: 1 for R in rlist}
    else:
        weights = {tuple(int(x) for x in R): int(d) for R, d in ndegen.items()}
        missing = [R for R in tb.hoppings if R not in weights and np.abs(tb.hoppings[R]).max() > 0]
        if missing:
            raise ValueError(f"ndegen has no weight for R = {missing[0]}")
        rlist = list(weights)
        grid = None
    zero = np.zeros((tb.num_wann, tb.num_wann), dtype=complex)
    blocks = {R: tb.hoppings.get(R, zero) * weights[R] for R in rlist}
    return rlist, weights, blocks, grid


def write_hr(tb, path, ndegen=None, header="written by w90resp"):
    """Writes H(R) of a :class:`TightBinding` as ``seedname_hr.dat`` (full precision).

    Without ``ndegen`` the R vectors are padded to the smallest odd box containing all
    hoppings, with weight 1 each (so sum 1/ndegen = N_k of that grid).  With ``ndegen``
    ({R: weight}) exactly those R are written, as H(R) * weight (Wannier90's convention).
    Returns the mp_grid (tuple) implied by the padded box, or None with ``ndegen``.
    """
    rlist, weights, blocks, grid = _prepare(tb, ndegen)
    nw = tb.num_wann
    with open(path, "w") as fh:
        _write_header_and_weights(fh, header, nw, rlist, weights)
        for R in rlist:
            h = blocks[R]
            pre = f"{R[0]:5d}{R[1]:5d}{R[2]:5d}"
            fh.write("".join(f"{pre}{m + 1:5d}{n + 1:5d} {h[m, n].real:24.16e} {h[m, n].imag:24.16e}\n"
                             for n in range(nw) for m in range(nw)))
    return grid


def write_tb(tb, path, ndegen=None, positions=True, header="written by w90resp"):
    """Writes ``seedname_tb.dat`` (lattice in ``tb.length_unit``, taken as Angstrom).

    With ``positions`` a position block is added holding the orbital positions on the
    R = 0 diagonal and zero elsewhere (the diagonal approximation of <m0|r|nR>).
    Returns the mp_grid as :func:`write_hr`.
    """
    rlist, weights, blocks, grid = _prepare(tb, ndegen)
    nw = tb.num_wann
    with open(path, "w") as fh:
        fh.write(f" {header}\n")
        for row in tb.real_lattice:
            fh.write("".join(f"{x:26.16e}" for x in row) + "\n")
        fh.write(f"{nw:12d}\n{len(rlist):12d}\n")
        for i in range(0, len(rlist), 15):
            fh.write("".join(f"{weights[R]:5d}" for R in rlist[i:i + 15]) + "\n")
        for R in rlist:
            h = blocks[R]
            fh.write(f"\n{R[0]:5d}{R[1]:5d}{R[2]:5d}\n")
            fh.write("".join(f"{m + 1:5d}{n + 1:5d}   {h[m, n].real:24.16e} {h[m, n].imag:24.16e}\n"
                             for n in range(nw) for m in range(nw)))
        if positions:
            tau = tb.positions
            for R in rlist:
                fh.write(f"\n{R[0]:5d}{R[1]:5d}{R[2]:5d}\n")
                for n in range(nw):
                    for m in range(nw):
                        r = tau[m] * weights[R] if (R == (0, 0, 0) and m == n) else np.zeros(3)
                        vals = " ".join(f"{x:24.16e} {0.0:24.16e}" for x in r)
                        fh.write(f"{m + 1:5d}{n + 1:5d}   {vals}\n")
    return grid


def write_centres_xyz(tb, path):
    """Writes ``seedname_centres.xyz`` with the orbital positions as centres (then atoms)."""
    with open(path, "w") as fh:
        fh.write(f"{tb.num_wann + len(tb.atoms):6d}\n Wannier centres, written by w90resp\n")
        for p in tb.positions:
            fh.write("X      " + "".join(f"{x:17.8f}" for x in p) + "\n")
        for lab, p in tb.atoms:
            fh.write(f"{lab:<7s}" + "".join(f"{x:17.8f}" for x in p) + "\n")
    return path


# ------------------------------------------------------------------------- loader
def detect_periodic(lattice, rvecs, atoms=(), mp_grid=None, vacuum=6.0, min_c=10.0):
    """(True, True, False) for a slab: no R with R3 != 0 and a vacuum gap along a3.

    The gap is the height of the cell along the normal of (a1, a2) minus the extent of the
    atoms along it; it must be at least ``vacuum`` Angstrom (without atoms the height must be
    at least ``min_c``).  A 3D ``mp_grid`` (third entry > 1) means bulk.
    """
    rvecs = np.asarray(rvecs)
    if np.any(rvecs[:, 2] != 0):
        return (True, True, True)
    if mp_grid is not None and mp_grid[2] != 1:
        return (True, True, True)
    lattice = np.asarray(lattice, float)
    normal = np.cross(lattice[0], lattice[1])
    normal /= np.linalg.norm(normal)
    height = abs(lattice[2] @ normal)
    if len(atoms):
        z = np.array([np.asarray(p) @ normal for _, p in atoms])
        # atoms may be wrapped across the cell boundary: take the largest empty interval
        zf = np.sort(np.mod(z, height))
        gaps = np.diff(np.concatenate([zf, [zf[0] + height]]))
        gap = gaps.max()
        return (True, True, False) if gap >= vacuum else (True, True, True)
    return (True, True, False) if height >= min_c else (True, True, True)


from .loader import load_wannier90  # noqa: E402,F401  (re-exported)
