"""Wannier90's minimal-distance replica selection (MDRS, ``use_ws_distance = .true.``,
the default since Wannier90 3.0): ``seedname_wsvec.dat``.

With MDRS the matrix elements X_mn(R) of ``_hr.dat`` / ``_tb.dat`` are not used at R but
spread over the images R + T_i (i = 1..N) that minimise |R + T + tau_n - tau_m| (Pizzi et
al., J. Phys.: Condens. Matter 32, 165902 (2020), Sec. 4.2, Eq. 35-36), each with weight
1/N:

    X^MDRS(k) = sum_R sum_i e^{ik.(R + T_i)} X_mn(R) / N_mn(R)      (X already / ndegen(R)).

postw90 and WannierBerri apply it; reading the file without it changes H(k) on coarse
grids (a 3x3 MoS2 grid: up to 0.16 eV in symmetry-related hoppings).
"""
import numpy as np

from ..errors import InputFileError


def read_wsvec(path):
    """(use_ws_distance, {(R, m, n): (N, 3) int array of T}) from ``seedname_wsvec.dat``
    (m, n 0-based)."""
    try:
        from ._text import read_lines
        lines = read_lines(path)
        header = lines[0] if lines else ""
        tokens = " ".join(lines[1:]).split()
    except OSError as err:
        raise InputFileError(path, f"cannot read ({err.strerror})") from None
    use = "use_ws_distance=.true." in header.replace(" ", "").lower() or \
        "use_ws_distance=t" in header.replace(" ", "").lower()
    out = {}
    i, n = 0, len(tokens)
    try:
        while i < n:
            R = tuple(int(x) for x in tokens[i:i + 3])
            m, k = int(tokens[i + 3]) - 1, int(tokens[i + 4]) - 1
            nd = int(tokens[i + 5])
            if nd < 1:
                raise ValueError
            T = np.array(tokens[i + 6:i + 6 + 3 * nd], dtype=int).reshape(nd, 3)
            out[(R, m, k)] = T
            i += 6 + 3 * nd
    except (ValueError, IndexError):
        raise InputFileError(path, f"malformed entry near token {i + 1} (expected 'R1 R2 R3 m n', "
                                   f"a count, then that many T vectors)") from None
    return use, out


def apply_wsvec(rvecs, ham, pos, wsvec, path="wsvec"):
    """(rvecs, ham, pos) with every X_mn(R) moved to its images R + T_i, weight 1/N
    (entries absent from ``wsvec`` keep T = 0)."""
    nw = ham.shape[1]
    rvecs = np.asarray(rvecs, int)
    index = {tuple(int(x) for x in R): i for i, R in enumerate(rvecs)}
    # every (iR, m, n) once with T = 0, weight 1; replaced below where wsvec has images
    base = np.ones((len(rvecs), nw, nw), bool)
    iR_l, m_l, n_l, T_l, w_l = [], [], [], [], []
    for (R, m, n), T in wsvec.items():
        i = index.get(R)
        if i is None:
            raise InputFileError(path, f"R = {R} is not in the Hamiltonian file")
        if not (0 <= m < nw and 0 <= n < nw):
            raise InputFileError(path, f"Wannier index ({m + 1}, {n + 1}) out of range 1..{nw}")
        base[i, m, n] = False
        k = len(T)
        iR_l.append(np.full(k, i))
        m_l.append(np.full(k, m))
        n_l.append(np.full(k, n))
        T_l.append(np.asarray(T, int))
        w_l.append(np.full(k, 1.0 / k))
    bi, bm, bn = np.nonzero(base)
    iR = np.concatenate(iR_l + [bi])
    mm = np.concatenate(m_l + [bm])
    nn = np.concatenate(n_l + [bn])
    T = np.concatenate(T_l + [np.zeros((len(bi), 3), int)])
    w = np.concatenate(w_l + [np.ones(len(bi))])
    newR = rvecs[iR] + T
    keys, inv = np.unique(newR, axis=0, return_inverse=True)
    inv = inv.ravel()
    H = np.zeros((len(keys), nw, nw), dtype=complex)
    np.add.at(H, (inv, mm, nn), w * ham[iR, mm, nn])
    P = None
    if pos is not None:
        P = np.zeros((len(keys), nw, nw, 3), dtype=complex)
        np.add.at(P, (inv, mm, nn), w[:, None] * pos[iR, mm, nn])
    return keys.astype(int), H, P
