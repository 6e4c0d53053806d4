"""Making the Wannier basis of a file agree with its labels: spinor order, home cells,
rotation of hybrid / local-frame functions to pure orbitals.

All three act on the raw matrices of a ``_hr.dat`` / ``_tb.dat`` file,
``ham[iR] = <m0|H|nR>`` and ``pos[iR] = <m0|r|nR>`` (the latter may be None).

Home cells.  Wannier90 keeps each centre wherever the minimisation leaves it, so WF m
may sit next to the periodic image tau_a + L_m of its atom a.  Labelling WF m as the
orbital at tau_a means |m, R>_label = |m, R - L_m>_file, hence

    H'_mn(R) = H_mn(R + L_m - L_n),
    r'_mn(R) = r_mn(R + L_m - L_n) - (L_m . A) delta_mn delta_{R,0}.

Pure-orbital rotation.  With |w_j> = sum_i C_ij |p_i> (C real orthogonal, one block per
site and spin), H_p(R) = C H_w(R) C^T and r_p(R) = C r_w(R) C^T.
"""
import numpy as np

from ..errors import InputFileError

#: relative weight of the spin-mixing blocks below which an order counts as the right one
SPIN_ORDER_RATIO = 0.25


def spin_block_weight(ham, order):
    """Fraction of the off-diagonal weight of H(R) in its spin-mixing blocks when the
    Wannier functions are taken in ``order`` ('interlaced' or 'block').

    Spinor Wannier Hamiltonians are spin-diagonal up to spin-orbit coupling (and, in
    magnets, up to non-collinearity), so the right order gives a small number and the
    wrong one mixes ordinary hoppings into the 'spin-flip' blocks.
    """
    nw = ham.shape[1]
    idx = np.arange(nw)
    if order == "interlaced":
        spin = idx % 2
    elif order == "block":
        spin = (idx >= nw // 2).astype(int)
    else:
        raise ValueError(order)
    mix = spin[:, None] != spin[None, :]
    w = np.abs(ham) ** 2
    off = w.sum(axis=0)
    off[np.diag_indices(nw)] = 0.0
    total = off.sum()
    return 0.0 if total == 0 else float(off[mix].sum() / total)


def time_reversal_residual(ham, order):
    """max |H(R) - T H(R)* T^dagger| / max |H| with T = i sigma_y on the spin index of
    ``order`` (real orbitals): near zero for the right order of a nonmagnetic spinor
    Hamiltonian, large for the wrong one (it pairs unrelated orbitals)."""
    nw = ham.shape[1]
    half = nw // 2
    if order == "interlaced":
        up, dn = np.arange(0, nw, 2), np.arange(1, nw, 2)
    else:
        up, dn = np.arange(half), np.arange(half, nw)
    T = np.zeros((nw, nw))
    T[dn, up] = 1.0      # T|o, up> = |o, down>
    T[up, dn] = -1.0     # T|o, down> = -|o, up>
    res = np.abs(ham - np.einsum("ij,rjk,lk->ril", T, ham.conj(), T)).max()
    scale = np.abs(ham).max()
    return 0.0 if scale == 0 else float(res / scale)


def detect_spin_order(ham, centres=None, lattice=None, hint=None, hint_source=None,
                      path="Hamiltonian", tol=0.05):
    """(order, reason) for spinor data: 'interlaced' or 'block'.

    Evidence, strongest first: time-reversal structure of H(R) (nonmagnetic data:
    :func:`time_reversal_residual` below 1e-2 in one order and 10 times larger in the
    other), the spin-mixing weight of H(R) (:func:`spin_block_weight`: one order at most
    ``SPIN_ORDER_RATIO`` times the other; magnets), Wannier centres that pair up in
    exactly one order, then ``hint``.  Raises InputFileError when nothing decides.
    """
    nw = ham.shape[1]
    if nw % 2:
        raise InputFileError(path, f"odd number of Wannier functions ({nw}) in spinor data")
    if nw == 2:
        return "interlaced", "two Wannier functions: both orders coincide"
    ti, tb = time_reversal_residual(ham, "interlaced"), time_reversal_residual(ham, "block")
    if min(ti, tb) < 1e-2 and min(ti, tb) < 0.1 * max(ti, tb):
        order = "interlaced" if ti < tb else "block"
        return order, (f"from H(R): time-reversal residual {min(ti, tb):.1e} in {order} order "
                       f"vs {max(ti, tb):.1e} in the other")
    wi, wb = spin_block_weight(ham, "interlaced"), spin_block_weight(ham, "block")
    lo, hi = min(wi, wb), max(wi, wb)
    if hi > 0 and lo <= SPIN_ORDER_RATIO * hi:
        order = "interlaced" if wi < wb else "block"
        return order, (f"from H(R): spin-mixing weight {lo:.2g} in {order} order vs "
                       f"{hi:.2g} in the other")
    if centres is not None:
        from .wannier90 import spin_order_from_centres
        try:
            order = spin_order_from_centres(centres, lattice, tol=tol, path=path)
            return order, "from the Wannier centres (Kramers partners share a centre)"
        except InputFileError:
            pass
    if hint is not None:
        return hint, f"from {hint_source or 'the input'} (H(R) and the centres do not decide)"
    raise InputFileError(path, f"spinor order cannot be told from the data (spin-mixing weight "
                               f"{wi:.2g} interlaced vs {wb:.2g} block, centres ambiguous); "
                               f"pass --spin-order interlaced or --spin-order block")


def reorder_block_to_interlaced(nw):
    """Permutation p with new[i] = old[p[i]] taking block spin order to interlaced."""
    half = nw // 2
    p = np.empty(nw, dtype=int)
    p[0::2] = np.arange(half)
    p[1::2] = np.arange(half) + half
    return p


def home_cells(centres, sites, lattice, atoms_pos):
    """Integer lattice vectors L (nw, 3) with centre_m = tau_site(m) + L_m.A + d_m, d_m the
    shortest such vector, and the distances |d_m|."""
    from .win import _minimum_image
    lattice = np.asarray(lattice, float)
    inv = np.linalg.inv(lattice)
    L = np.zeros((len(centres), 3), dtype=int)
    dist = np.zeros(len(centres))
    for m, (c, s) in enumerate(zip(centres, sites)):
        d = np.asarray(c, float) - atoms_pos[s]
        dmin = _minimum_image(d, lattice)
        L[m] = np.round((d - dmin) @ inv).astype(int)
        dist[m] = np.linalg.norm(dmin)
    return L, dist


def shift_home_cells(rvecs, ham, pos, L, lattice, periodic=(True, True, True)):
    """H'(R) and r'(R) of the module docstring for lattice vectors L (nw, 3).

    Along a non-periodic direction (the vacuum axis of a slab) there is no hopping between
    cells, so a component of L there only says on which side of the cell boundary the
    file's position lies (Wannier90's Berry-phase centres are defined modulo the cell):
    it moves the diagonal of r(R=0) but does not shift H.

    Returns (rvecs, ham, pos) with the R list extended as needed (new blocks are zero
    except where shifted elements land).
    """
    L = np.asarray(L, int)
    if not np.any(L):
        return rvecs, ham, pos
    L_full = L
    L = L * np.asarray(periodic, bool).astype(int)
    nw = ham.shape[1]
    if not np.any(L):
        if pos is not None:
            pos = pos.copy()
            i0 = [tuple(R) for R in rvecs].index((0, 0, 0))
            pos[i0][np.arange(nw), np.arange(nw)] -= L_full @ np.asarray(lattice, float)
        return rvecs, ham, pos
    nw = ham.shape[1]
    groups = {}
    for m, v in enumerate(map(tuple, L)):
        groups.setdefault(v, []).append(m)
    index = {tuple(R): i for i, R in enumerate(rvecs)}
    out_H, out_r = {}, {}

    def block(store, R, shape_tail):
        if R not in store:
            store[R] = np.zeros((nw, nw) + shape_tail, dtype=complex)
        return store[R]

    for La, ia in groups.items():
        for Lb, ib in groups.items():
            shift = np.array(La) - np.array(Lb)
            for R, i in index.items():
                Rn = tuple(int(x) for x in np.array(R) - shift)   # H'(Rn) = H(Rn + shift)
                block(out_H, Rn, ())[np.ix_(ia, ib)] = ham[i][np.ix_(ia, ib)]
                if pos is not None:
                    block(out_r, Rn, (3,))[np.ix_(ia, ib)] = pos[i][np.ix_(ia, ib)]
    keys = sorted(out_H)
    new_R = np.array(keys, dtype=int)
    new_H = np.array([out_H[R] for R in keys])
    new_pos = None
    if pos is not None:
        new_pos = np.array([out_r[R] for R in keys])
        i0 = keys.index((0, 0, 0))
        shift_cart = L_full @ np.asarray(lattice, float)
        new_pos[i0][np.arange(nw), np.arange(nw)] -= shift_cart
    return new_R, new_H, new_pos


def rotate_basis(ham, pos, C):
    """C H(R) C^T and C r(R) C^T for every R (C real, (nw, nw))."""
    ham = np.einsum("ij,rjk,lk->ril", C, ham, C, optimize=True)
    if pos is not None:
        pos = np.einsum("ij,rjkc,lk->rilc", C, pos, C, optimize=True)
    return ham, pos
