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


def band_operator(data_K, name, op):
    """Cached band-basis matrix of on-site operator ``op`` registered under ``name``."""
    c = cache(data_K)
    key = ("onsite", name)
    if key not in c:
        c[key] = rotate_onsite(data_K.UU_K, op)
    return c[key]


def velocity(data_K):
    """Band-basis velocity matrix dH/dk (nk, nb, nb, 3) in energy x length (hbar = 1).

    WannierBerri's Hamiltonian-gauge derivative with the Wannier centres in the Bloch
    phase, i.e. v = i[H, r] with r including the orbital positions.
    """
    return data_K.Xbar("Ham", 1)


def groups(data_K, thresh):
    """Cached degenerate groups (start, size) of the chunk for threshold ``thresh``."""
    c = cache(data_K)
    key = ("groups", float(thresh))
    if key not in c:
        c[key] = degenerate_groups(data_K.E_K, thresh)
    return c[key]


def fermi_surface_sum(E, weights, mu, kT, F=None):
    """sum_{k,n} weights[k,n,...] (-df/dE)(E_kn - mu) for all mu, as one matrix product.

    ``E`` (nk, nb), ``weights`` (nk, nb, ...).  Returns (nmu, ...).  ``F`` may pass a
    precomputed -df/dE matrix (nmu, nk*nb) (see :func:`fermi_derivative_matrix`).
    """
    if F is None:
        F = minus_fermi_derivative(E.reshape(-1), mu, kT)  # (nmu, nk*nb)
    W = weights.reshape(E.size, -1)
    return (F @ W).reshape((len(mu),) + weights.shape[2:])


class OnsiteBlocks:
    """A k-independent on-site operator stored as its dense blocks (site/shell groups).

    On-site operators (L, S, Q) only connect orbitals of one site and shell, so
    U^dagger O U restricted to the diagonal costs sum_b size_b^2 x nb per component
    instead of nw^2 x nb.  ``op`` is (ncomp, nw, nw).
    """

    def __init__(self, op):
        from scipy.sparse.csgraph import connected_components
        op = np.asarray(op)
        self.ncomp, self.nw = op.shape[0], op.shape[1]
        pattern = (np.abs(op).sum(axis=0) > 0)
        n, labels = connected_components(pattern, directed=False)
        self.blocks = []
        for b in range(n):
            idx = np.nonzero(labels == b)[0]
            sub = op[:, idx][:, :, idx]
            if np.abs(sub).max(initial=0) > 0:
                self.blocks.append((idx, sub))

    def diag(self, U):
        """Re (U^dagger O U)_nn for every component: (nk, nb, ncomp)."""
        nk, _, nb = U.shape
        out = np.zeros((self.ncomp, nk * nb))
        for idx, sub in self.blocks:
            b = len(idx)
            UI = np.moveaxis(U[:, idx, :], 1, 0).reshape(b, nk * nb)    # (b, nk*nb)
            OU = (sub.reshape(self.ncomp * b, b) @ UI).reshape(self.ncomp, b, nk * nb)  # one GEMM
            out += np.einsum("in,cin->cn", UI.conj(), OU, optimize=True).real
        return out.reshape(self.ncomp, nk, nb).transpose(1, 2, 0)


def onsite_blocks(data_K, name, op):
    """Cached :class:`OnsiteBlocks` diagonal of ``op`` on the chunk: (nk, nb, ncomp)."""
    c = cache(data_K)
    key = ("onsite_diag", name)
    if key not in c:
        c[key] = OnsiteBlocks(op).diag(data_K.UU_K)
    return c[key]


def velocity_wannier(data_K):
    """dH/dk in the Wannier gauge (nk, nw, nw, 3), with orbital positions in the phase."""
    c = cache(data_K)
    if "dH" not in c:
        dH = data_K.get_k_mat("Ham", der=1, hermitian=True)
        c["dH"] = dH[data_K.select_K] if hasattr(data_K, "select_K") else dH
    return c["dH"]


def velocity_diagonal(data_K):
    """Band velocities Re (U^dagger dH/dk U)_nn (nk, nb, 3), without the full rotation."""
    c = cache(data_K)
    if "vdiag" not in c:
        U = data_K.UU_K
        dH = np.moveaxis(velocity_wannier(data_K), 3, 1)            # (nk, 3, nw, nw)
        dHU = np.matmul(dH, U[:, None])                             # batched BLAS
        c["vdiag"] = np.einsum("kin,kcin->knc", U.conj(), dHU, optimize=True).real
    return c["vdiag"]


def fermi_window(E, mu, kT, cutoff=40.0):
    """Mask of energies within cutoff*kT of the chemical-potential range (-f' < e^-cutoff/kT)."""
    mu = np.asarray(mu)
    return (E > mu.min() - cutoff * kT) & (E < mu.max() + cutoff * kT)


def fermi_derivative_matrix(data_K, mu, kT, cutoff=40.0):
    """Cached (mask, F): bands within the Fermi window and -df/dE (nmu, nsel) for them.

    Shared by all Fermi-surface calculators of the chunk with the same mu and kT.
    """
    c = cache(data_K)
    mu = np.asarray(mu, dtype=float)
    key = ("fermi", mu.tobytes(), float(kT), float(cutoff))
    if key not in c:
        E = data_K.E_K
        mask = fermi_window(E, mu, kT, cutoff)
        c[key] = (mask, minus_fermi_derivative(E[mask], mu, kT))
    return c[key]
