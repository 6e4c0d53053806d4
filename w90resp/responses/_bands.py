"""Shared band-basis machinery for the response calculators (vectorized over k).

Everything here acts on one WannierBerri ``Data_K`` chunk (an FFT sub-grid of nk
points) with array operations; nothing loops over k in Python.  Quantities used by
several calculators of one run (band-basis on-site operators, degenerate groups) are
cached on the ``Data_K`` object, so that e.g. the L and S FCIM calculators rotate Q
and diagonalize only once per chunk.
"""
import numpy as np

_CACHE = "_w90resp_cache"

#: Default threshold (energy unit of the Hamiltonian) below which bands are one
#: degenerate group and interband sums become gauge-covariant traces.  It is meant for
#: exact (symmetry-enforced) degeneracies such as Kramers pairs at time-reversal-
#: invariant momenta: bands that are merely close (a Rashba pair near Gamma) carry large
#: off-diagonal matrix elements, and grouping them would add interband terms that the
#: intraband formulas deliberately drop.  Raise it for Wannier Hamiltonians whose
#: symmetry-enforced degeneracies are only approximate.
DEGEN_THRESH = 1e-10

#: Default crossover scale (energy unit of the Hamiltonian) of the smooth degeneracy
#: regulator of the interband families (orbital ME, spin MQM, pumped OM):
#: see :func:`pair_factors`.  1e-4 eV lies above the splittings a Wannier
#: interpolation leaves between bands that symmetry makes degenerate (1e-9..1e-4 eV
#: measured on public and own data before symmetrization, <= 1e-8 after) and below the
#: splittings the intrinsic (clean-limit) formulas are meant to resolve: they assume
#: splittings much larger than the level broadening hbar/tau, >~ 1 meV in real samples.
PAIR_SCALE = 1e-4


def pair_factors(E, scale=PAIR_SCALE):
    r"""Smoothly regularized inverse gaps and in-group weights of a band pair, (nk, nb, nb).

    With Delta_nm = e_m - e_n and Gamma = ``scale``:

        g_nm = w(Delta)/Delta = Delta^3 / (Delta^4 + Gamma^4),
        c_nm = 1 - w(Delta)   = Gamma^4 / (Delta^4 + Gamma^4),   w = Delta^4/(Delta^4 + Gamma^4).

    ``g`` replaces 1/(e_m - e_n) in every interband sum, ``c`` weights the band matrices
    that a degenerate group contributes as a block (``c_nn = 1``).  Limits:

    * Delta >> Gamma: g = 1/Delta (1 - (Gamma/Delta)^4 + ...), c -> 0: the
      non-degenerate sum-over-states formulas, corrected by (Gamma/Delta)^4 (1e-8 for
      Delta = 100 Gamma);
    * Delta << Gamma: g = Delta^3/Gamma^4 -> 0, c -> 1: the pair is one degenerate
      group (connection zero inside it, block matrices in the covariant terms); an
      exactly degenerate pair (Delta = 0) is exactly the group form, so results inside
      degenerate subspaces stay gauge covariant;
    * in between the two forms are joined by a function analytic in Delta: every
      response is a smooth function of the Hamiltonian, whatever the grid hits
      (no hard threshold, no 1/Delta^p larger than ~1/Gamma^p).

    The crossover trades the perturbation-dependent intra-pair terms of pairs split
    by less than Gamma (their delta -> 0 limit depends on *which* perturbation splits
    them, see :mod:`w90resp.responses.geometry`) for the degenerate-group value.
    ``scale = 0`` gives the bare 1/Delta with exactly degenerate pairs (Delta = 0) as
    groups.
    """
    E = np.asarray(E, dtype=float)
    d = E[..., None, :] - E[..., :, None]                  # e_m - e_n
    if scale <= 0:
        zero = d == 0
        with np.errstate(divide="ignore"):
            g = np.where(zero, 0.0, 1.0 / np.where(zero, 1.0, d))
        return g, zero.astype(float)
    x = d / scale
    x2 = x * x
    den = x2 * x2 + 1.0
    g = (x2 * x) / den / scale
    c = 1.0 / den
    return g, c


def near_pairs(E, scale=PAIR_SCALE, tol=1e-15):
    """(nk,) bool: k points where some neighbouring bands have c = Gamma^4/(Delta^4 +
    Gamma^4) above ``tol`` (their block terms matter; elsewhere c is diagonal to tol)."""
    E = np.asarray(E, dtype=float)
    if E.shape[-1] < 2:
        return np.zeros(E.shape[:-1], dtype=bool)
    gap = np.diff(E, axis=-1).min(axis=-1)
    if scale <= 0:
        return gap == 0
    return gap < scale * tol ** -0.25


def cache(data_K):
    """Per-chunk cache dict stored on the ``Data_K`` instance."""
    c = getattr(data_K, _CACHE, None)
    if c is None:
        c = {}
        setattr(data_K, _CACHE, c)
    return c


def minus_fermi_derivative(E, mu, kT):
    """-df/dE for energies ``E`` (any shape) and chemical potentials ``mu`` (nmu,).

    Returns shape (nmu,) + E.shape, evaluated overflow-safe as
    exp(-|x|)/(kT (1 + exp(-|x|))^2) with x = (E - mu)/kT.
    """
    if kT <= 0:
        raise ValueError("kT must be positive for a Fermi-surface response")
    E = np.asarray(E, dtype=float)
    mu = np.asarray(mu, dtype=float).reshape(-1)
    centre = 0.5 * (mu.max() + mu.min())
    a, b = (E - centre) / kT, (centre - mu) / kT
    if E.ndim == 1 and max(np.abs(a).max(initial=0), np.abs(b).max(initial=0)) < 300:
        # exp(x) = exp(a) exp(b) factorizes: one exponential per energy and per mu, and
        # -f' = e^x / (kT (1 + e^x)^2) as an outer product (no overflow for |a|,|b| < 300)
        ex = np.multiply.outer(np.exp(b), np.exp(a))
        denom = 1.0 + ex
        denom *= denom
        denom *= kT
        return np.divide(ex, denom, out=ex)
    x = (E[None] - mu.reshape((-1,) + (1,) * E.ndim)) / kT
    ex = np.exp(-np.abs(x))
    return ex / (kT * (1 + ex) ** 2)


def fermi(E, mu, kT):
    """Fermi function f(E - mu) (nmu,) + E.shape, overflow-safe; kT = 0 gives a step."""
    x = np.asarray(E)[None] - np.asarray(mu).reshape((-1,) + (1,) * np.ndim(E))
    if kT <= 0:
        return np.where(x < 0, 1.0, np.where(x > 0, 0.0, 0.5))
    x = x / kT
    ex = np.exp(-np.abs(x))
    return np.where(x > 0, ex / (1 + ex), 1 / (1 + ex))


def degenerate_groups(E, thresh):
    """Contiguous groups of (near-)degenerate bands at each k.

    ``E`` (nk, nb) sorted ascending.  Two neighbouring bands belong to the same group if
    they differ by less than ``thresh``.  Returns ``start`` and ``size`` (nk, nb): the
    first band and the number of bands of the group of each band.
    """
    nk, nb = E.shape
    brk = np.ones((nk, nb), dtype=bool)
    brk[:, 1:] = (E[:, 1:] - E[:, :-1]) > thresh
    ar = np.broadcast_to(np.arange(nb), (nk, nb))
    start = np.maximum.accumulate(np.where(brk, ar, 0), axis=1)
    # end (exclusive): next break position
    brk_end = np.ones((nk, nb), dtype=bool)
    brk_end[:, :-1] = brk[:, 1:]
    end = np.minimum.accumulate(np.where(brk_end, ar + 1, nb)[:, ::-1], axis=1)[:, ::-1]
    return start, end - start


def group_mask(start):
    """Boolean (nk, nb, nb): True where two bands are in the same degenerate group."""
    return start[:, :, None] == start[:, None, :]


def group_index(start, size):
    """Band indices of each band's group, padded: idx (nk, nb, G) and valid mask."""
    G = int(size.max())
    idx = start[:, :, None] + np.arange(G)[None, None, :]
    valid = np.arange(G)[None, None, :] < size[:, :, None]
    nb = start.shape[1]
    return np.minimum(idx, nb - 1), valid


def rotate_onsite(U, op):
    """U^dagger O U for k-independent Wannier-basis operators.

    ``op`` (ncomp, nw, nw), ``U`` (nk, nw, nb).  Returns (nk, nb, nb, ncomp).
    """
    OU = np.einsum("cij,kjn->kcin", op, U, optimize=True)
    return np.einsum("kim,kcin->kmnc", U.conj(), OU, optimize=True)


def operator_key(name, op):
    """Cache key of an on-site operator: its name and a digest of its matrix elements, so
    that two different operators under one name never share a cache entry."""
    import hashlib
    return (name, hashlib.sha1(np.ascontiguousarray(op).tobytes()).hexdigest())


def band_operator(data_K, name, op):
    """Cached band-basis matrix of on-site operator ``op`` registered under ``name``."""
    c = cache(data_K)
    key = ("onsite",) + operator_key(name, op)
    if key not in c:
        c[key] = rotate_onsite(data_K.UU_K, op)
    return c[key]


def has_position_matrix(data_K):
    """True when the system carries the full position matrix (``AA``) of a _tb.dat."""
    return data_K.system.has_R_mat("AA")


def position_term(data_K):
    """i (e_n - e_m) Abar_nm (nk, nb, nb, 3): the part of the velocity i[H, r] that comes
    from the off-diagonal position matrix Abar = r - tau (Wang, Yates, Souza, Vanderbilt,
    PRB 74, 195118 (2006), Eqs. 25-26: v_nm = dH_nm + i(e_n - e_m) A^H_nm in the
    Hamiltonian gauge); None without a position matrix.  Its band diagonal, and its block
    within an exactly degenerate group, vanish."""
    if not has_position_matrix(data_K):
        return None
    c = cache(data_K)
    if "v_position" not in c:
        E = data_K.E_K
        A = data_K.Xbar("AA")
        c["v_position"] = 1j * (E[:, :, None] - E[:, None, :])[..., None] * A
    return c["v_position"]


def velocity(data_K):
    """Band-basis velocity matrix (nk, nb, nb, 3) in energy x length (hbar = 1).

    v = i[H, r]: WannierBerri's Hamiltonian-gauge dH/dk (orbital positions tau in the
    Bloch phase) plus, when the system holds the full position matrix, the term of
    :func:`position_term`.  Then A_nm = i v_nm / (e_m - e_n) (n != m) is the whole
    interband Berry connection (WannierBerri's ``get_A_H`` with external terms).
    """
    v = data_K.Xbar("Ham", 1)
    extra = position_term(data_K)
    return v if extra is None else v + extra


def groups(data_K, thresh):
    """Cached degenerate groups (start, size) of the chunk for threshold ``thresh``."""
    c = cache(data_K)
    key = ("groups", float(thresh))
    if key not in c:
        c[key] = degenerate_groups(data_K.E_K, thresh)
    return c[key]


class OnsiteDiagonals:
    """Band diagonals Re (U^dagger O U)_nn of several k-independent operators at once.

    On-site operators (L, S, Q) only connect a few orbital pairs (i, j) (one site and
    shell), so with the pair products P_ij = conj(U_in) U_jn on the union of their
    patterns (i <= j), every diagonal is one real matrix product:

        Re (U^dagger O U)_nn = sum_{i <= j} w_ij [Re O_ij Re P_ij - Im O_ij Im P_ij],

    w_ii = 1, w_ij = 2 (i < j), valid for Hermitian O.  ``ops`` maps names to (ncomp,
    nw, nw) Hermitian matrices.  The work is tiled over states (``tile`` columns) so
    that the pair products stay in cache.
    """

    def __init__(self, ops, tile=2048):
        self.names = list(ops)
        mats = [np.asarray(ops[n]) for n in self.names]
        self.ncomp = [m.shape[0] for m in mats]
        allop = np.concatenate(mats)
        nw = allop.shape[1]
        for m, n in zip(mats, self.names):
            if not np.allclose(m, np.conj(np.swapaxes(m, 1, 2)), atol=1e-12):
                raise ValueError(f"operator '{n}' is not Hermitian")
        iu = np.triu_indices(nw)
        sel = (np.abs(allop).sum(axis=0) > 0)[iu]
        self.I, self.J = iu[0][sel], iu[1][sel]
        C = allop[:, self.I, self.J]                          # (ncomp_total, npair)
        w = np.where(self.I == self.J, 1.0, 2.0)
        self.C = np.concatenate([C.real * w, -C.imag * w], axis=1)   # (ncomp_total, 2 npair)
        self.Cc = C                                             # complex O_ij, i <= j
        self.tile = int(tile)

    def elements(self, UL, UR):
        """Matrix elements UL^dagger O UR between state pairs: UL, UR (ns, nw) -> dict
        name -> (ns, ncomp) complex.  With A_ij = conj(UL_i) UR_j on the pattern,
        (UL^dagger O UR) = sum_{i<=j} O_ij A_ij + sum_{i<j} conj(O_ij) A_ji."""
        off = self.I != self.J
        A = np.conj(UL[:, self.I]) * UR[:, self.J]             # (ns, npair)
        B = np.conj(UL[:, self.J[off]]) * UR[:, self.I[off]]
        out = A @ self.Cc.T + B @ np.conj(self.Cc[:, off]).T
        res, c0 = {}, 0
        for n, nc in zip(self.names, self.ncomp):
            res[n] = out[:, c0:c0 + nc]
            c0 += nc
        return res

    def diag(self, U):
        """dict name -> (nk, nb, ncomp) real band diagonals for eigenvectors U (nk, nw, nb)."""
        nk, nw, nb = U.shape
        ns = nk * nb
        Ut = np.ascontiguousarray(np.moveaxis(U, 1, 0)).reshape(nw, ns)
        out = np.empty((self.C.shape[0], ns))
        for s in range(0, ns, self.tile):
            sl = slice(s, min(s + self.tile, ns))
            P = np.conj(Ut[self.I, sl]) * Ut[self.J, sl]      # (npair, tile)
            out[:, sl] = self.C @ np.concatenate([P.real, P.imag])
        res, c0 = {}, 0
        for n, nc in zip(self.names, self.ncomp):
            res[n] = out[c0:c0 + nc].reshape(nc, nk, nb).transpose(1, 2, 0)
            c0 += nc
        return res


def onsite_diagonals(data_K, ops):
    """Cached band diagonals (nk, nb, ncomp) of the on-site operators ``ops`` (name ->
    matrices); names not yet cached on the chunk are computed together in one pass."""
    c = cache(data_K)
    keys = {n: ("onsite_diag",) + operator_key(n, o) for n, o in ops.items()}
    missing = {n: o for n, o in ops.items() if keys[n] not in c}
    if missing:
        for n, d in OnsiteDiagonals(missing).diag(data_K.UU_K).items():
            c[keys[n]] = d
    return {n: c[keys[n]] for n in ops}


#: Below this many R-vectors per log2(grid size) the direct sum beats the FFT.
DIRECT_SUM_RATIO = 2.0


def _r_to_k(data_K, XX_R, method=None):
    """WannierBerri R-space matrices (nR, nw, nw, ...) -> k on the chunk's FFT grid.

    Same convention as WannierBerri's ``fft_R_to_k``: X(kappa) = sum_R X_R exp(2 pi i
    kappa . R / NKFFT) on the grid points kappa in C order (the chunk's offset dK is
    already in X_R).  ``method``: 'fft' (``scipy.fft`` over the non-trivial axes, all
    cores), 'direct' (the sum as one matrix product exp(...) @ X_R; cheaper for short-range
    models with few R) or None (choose by nR vs DIRECT_SUM_RATIO log2 N).  k-lists that
    are not an FFT grid use WannierBerri's own transform.
    """
    rvec = data_K.rvec
    if data_K.fftlib not in ("fftw", "numpy"):
        return rvec.fft_R_to_k(XX_R, hermitian=False)
    nkfft = tuple(int(n) for n in data_K.NKFFT)
    nk = int(np.prod(nkfft))
    if method is None:
        method = "direct" if len(rvec.iRvec) < DIRECT_SUM_RATIO * np.log2(max(nk, 2)) else "fft"
    if method == "direct":
        kappa = np.stack(np.meshgrid(*[np.arange(n) / n for n in nkfft], indexing="ij"), -1).reshape(-1, 3)
        phase = np.exp(2j * np.pi * (kappa @ rvec.iRvec.T))        # (nk, nR)
        return (phase @ XX_R.reshape(len(XX_R), -1)).reshape((nk,) + XX_R.shape[1:])
    import scipy.fft
    A = np.zeros(nkfft + XX_R.shape[1:], dtype=complex)
    np.add.at(A, tuple(np.mod(rvec.iRvec, nkfft).T), XX_R)
    axes = tuple(a for a in range(3) if nkfft[a] > 1)      # length-1 axes: nothing to do
    if axes:
        A = scipy.fft.ifftn(A, axes=axes, norm="forward", overwrite_x=True, workers=fft_threads())
    return A.reshape((-1,) + XX_R.shape[1:])


def fft_threads():
    """Threads for our FFTs: OMP_NUM_THREADS when set (Ray sets it to 1 in its workers),
    otherwise the cores this process may use."""
    import os
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def velocity_wannier(data_K):
    """Wannier-gauge dH/dk (nk, nw, nw, ncomp) along the Cartesian axes ``comps`` that
    carry a band velocity, with orbital positions in the Bloch phase; returns (dH, comps).

    An axis c orthogonal to every lattice vector R of the Hamiltonian (z of a 2D sheet)
    gives dH/dk_c = i[H, r_c] with r_c the diagonal matrix of orbital heights, whose band
    diagonal (and whole block within a degenerate group) is (e_n - e_m) r_nm = 0: it is
    skipped.
    """
    c = cache(data_K)
    if "dH" not in c:
        rvec = data_K.rvec
        comps = tuple(a for a in range(3) if np.abs(rvec.cRvec[:, a]).max(initial=0) > 0)
        XX = data_K.get_R_mat("Ham")                        # with the chunk's phase exp(i dK R)
        dX = 1j * XX[..., None] * rvec.cRvec_shifted[:, :, :, list(comps)]
        dH = _r_to_k(data_K, dX)
        sel = getattr(data_K, "select_K", None)
        if sel is not None and not np.all(sel):
            dH = dH[sel]
        c["dH"] = (dH, comps)
    return c["dH"]


def velocity_diagonal(data_K):
    """Band velocities Re (U^dagger dH/dk U)_nn (nk, nb, 3), without the full rotation.

    One batched product X = U^dagger dH (all components at once), then
    v_nc = Re sum_j X_njc U_jn; skipped axes (:func:`velocity_wannier`) are zero.
    """
    c = cache(data_K)
    if "vdiag" not in c:
        U = data_K.UU_K
        dH, comps = velocity_wannier(data_K)
        nk, nw, nb = U.shape
        UT = np.ascontiguousarray(np.swapaxes(U, 1, 2))       # (nk, nb, nw)
        X = np.matmul(UT.conj(), dH.reshape(nk, nw, nw * len(comps)))
        vd = np.zeros((nk, nb, 3))
        vd[..., list(comps)] = np.einsum("knjc,knj->knc", X.reshape(nk, nb, nw, len(comps)), UT).real
        c["vdiag"] = vd
    return c["vdiag"]


def degenerate_blocks(data_K, kidx, members, valid, od, tile=4096):
    """Band-basis blocks within degenerate groups, without full on-site rotations.

    ``kidx`` (ng,) chunk k-points, ``members`` (ng, G) the bands of each group (padded),
    ``valid`` (ng, G) which of them are real, ``od`` an :class:`OnsiteDiagonals` of the
    on-site operators.  Returns (dict name -> (ng, G, G, ncomp) of those operators,
    velocity blocks (ng, G, G, 3)); padded entries are 0.
    On-site blocks come from pair products on the operators' pattern
    (:meth:`OnsiteDiagonals.elements`), groups of equal size together, in tiles of about
    ``tile`` state pairs; velocities from U^dagger dH U at the distinct k-points.
    """
    U = data_K.UU_K
    ng, G = members.shape
    nw = U.shape[1]
    sizes = valid.sum(axis=1)
    onsite = {n: np.zeros((ng, G, G, nc), dtype=complex) for n, nc in zip(od.names, od.ncomp)}
    for g in np.unique(sizes):
        idx = np.nonzero(sizes == g)[0]
        step = max(1, tile // (g * g))
        for s0 in range(0, len(idx), step):
            sub = idx[s0:s0 + step]
            Ug = U[kidx[sub, None], :, members[sub, :g]]          # (nsub, g, nw)
            UL = np.broadcast_to(Ug[:, :, None, :], (len(sub), g, g, nw)).reshape(-1, nw)
            UR = np.broadcast_to(Ug[:, None, :, :], (len(sub), g, g, nw)).reshape(-1, nw)
            for n, x in od.elements(UL, UR).items():
                onsite[n][sub, :g, :g] = x.reshape(len(sub), g, g, -1)
    dH, comps = velocity_wannier(data_K)
    uk, inv = np.unique(kidx, return_inverse=True)
    Uk = U[uk]
    vk = np.matmul(np.conj(np.swapaxes(Uk, 1, 2))[:, None],
                   np.matmul(np.moveaxis(dH[uk], 3, 1), Uk[:, None]))   # (nuk, nc, nb, nb)
    pv = (valid[:, :, None] & valid[:, None, :])[..., None]
    v = np.zeros((ng, G, G, 3), dtype=complex)
    v[..., list(comps)] = vk[inv[:, None, None], :, members[:, :, None], members[:, None, :]] * pv
    return onsite, v


class FermiSurface:
    """sum_{k,n} w_kn (-df/dE)(E_kn - mu) for many mu, using that -f' is banded.

    States are sorted by energy once; the chemical potentials are cut into blocks of
    ``block`` values, and each block only sees the contiguous run of states within
    ``cutoff`` kT of it (further states carry weight < e^-cutoff relative to the peak).
    The -f' blocks are computed once and reused for every weight array (e.g. the L and
    S calculators of one chunk).
    """

    def __init__(self, E, mu, kT, cutoff=40.0, block=32):
        if kT <= 0:
            raise ValueError("kT must be positive for a Fermi-surface response")
        mu = np.asarray(mu, dtype=float).reshape(-1)
        self.nmu = len(mu)
        Ef = np.asarray(E, dtype=float).reshape(-1)
        self.order = np.argsort(Ef, kind="stable")
        Es = Ef[self.order]
        self.blocks = []
        for s in range(0, self.nmu, block):
            m = mu[s:s + block]
            lo = np.searchsorted(Es, m.min() - cutoff * kT, side="left")
            hi = np.searchsorted(Es, m.max() + cutoff * kT, side="right")
            if hi > lo:
                self.blocks.append((slice(s, s + len(m)), lo, hi,
                                    minus_fermi_derivative(Es[lo:hi], m, kT)))
        lo = min((b[1] for b in self.blocks), default=0)
        hi = max((b[2] for b in self.blocks), default=0)
        #: flat indices of the states that any chemical potential sees, in energy order
        self.states = self.order[lo:hi]
        self.blocks = [(sl, a - lo, b - lo, F) for sl, a, b, F in self.blocks]

    def sum_sorted(self, Ws):
        """Ws (len(states), ncol): weights of ``self.states`` in that order -> (nmu, ncol)."""
        out = np.zeros((self.nmu, Ws.shape[1]), dtype=Ws.dtype)
        for sl, lo, hi, F in self.blocks:
            out[sl] = F @ Ws[lo:hi]
        return out

    def sum(self, weights):
        """weights (..., ncol) with E.size rows in E's order -> (nmu, ncol)."""
        W = np.asarray(weights).reshape(len(self.order), -1)
        return self.sum_sorted(W[self.states])


def fermi_surface(data_K, mu, kT, cutoff=40.0):
    """Cached :class:`FermiSurface` of the chunk's energies (shared by all calculators
    with the same mu and kT)."""
    c = cache(data_K)
    mu = np.asarray(mu, dtype=float)
    key = ("fermi_surface", mu.tobytes(), float(kT), float(cutoff))
    if key not in c:
        c[key] = FermiSurface(data_K.E_K, mu, kT, cutoff)
    return c[key]
