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
    x = (np.asarray(E)[None] - np.asarray(mu).reshape((-1,) + (1,) * np.ndim(E))) / kT
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


def fermi_surface_sum(E, weights, mu, kT):
    """sum_{k,n} weights[k,n,...] (-df/dE)(E_kn - mu) for all mu, as one matrix product.

    ``E`` (nk, nb), ``weights`` (nk, nb, ...).  Returns (nmu, ...).
    """
    F = minus_fermi_derivative(E.reshape(-1), mu, kT)  # (nmu, nk*nb)
    W = weights.reshape(E.size, -1)
    return (F @ W).reshape((len(mu),) + weights.shape[2:])
