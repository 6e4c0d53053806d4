"""Bands and band-resolved expectation values along k paths (for plots and checks).

Paths are short (hundreds of points), so this evaluates the Bloch Hamiltonian directly
(:meth:`w90resp.tb.TightBinding.hamiltonian`) with numpy, vectorized over the path.
"""
import numpy as np

#: High-symmetry points in reduced coordinates of the reciprocal lattice.
SQUARE_POINTS = {"G": (0, 0, 0), "X": (0.5, 0, 0), "M": (0.5, 0.5, 0)}
#: hexagonal, for a1 = a(1,0,0), a2 = a(-1/2, sqrt3/2, 0): K = (1/3, 1/3) lies on the
#: kx axis at 4 pi / 3a, M = (1/2, 0).
HEXAGONAL_POINTS = {"G": (0, 0, 0), "K": (1 / 3, 1 / 3, 0), "M": (0.5, 0, 0)}


def k_path(tb, labels, n_per_segment=60, points=None):
    """Reduced k-points along ``labels`` (e.g. "GXMG"), their path length and ticks."""
    if points is None:
        cosang = np.dot(tb.real_lattice[0], tb.real_lattice[1]) / (
            np.linalg.norm(tb.real_lattice[0]) * np.linalg.norm(tb.real_lattice[1]))
        points = HEXAGONAL_POINTS if abs(cosang + 0.5) < 1e-6 else SQUARE_POINTS
    nodes = [np.array(points[c], dtype=float) for c in labels]
    ks, dist, ticks = [], [], [0.0]
    s = 0.0
    for a, b in zip(nodes[:-1], nodes[1:]):
        t = np.linspace(0, 1, n_per_segment, endpoint=False)
        seg = a[None] + t[:, None] * (b - a)[None]
        step = np.linalg.norm((b - a) @ tb.recip_lattice) / n_per_segment
        ks.append(seg)
        dist.append(s + step * np.arange(n_per_segment))
        s += step * n_per_segment
        ticks.append(s)
    ks.append(nodes[-1][None])
    dist.append([s])
    return np.vstack(ks), np.concatenate(dist), ticks


def band_expectations(tb, kred, operators=("L", "S"), degen_thresh=1e-8):
    """Energies (nk, nb) and <n|O_a|n> (nk, nb, 3) for each named on-site operator.

    Inside a group of degenerate bands (|dE| < ``degen_thresh``) the expectation value
    depends on the basis chosen by the eigensolver; the gauge-invariant group average
    Tr_D O / |D| is reported for every member instead.
    """
    from .responses._bands import degenerate_groups
    H = tb.hamiltonian(kred)
    E, U = np.linalg.eigh(H)
    start, size = degenerate_groups(E, degen_thresh)
    ops = tb.operators()
    out = {}
    kk = np.arange(E.shape[0])[:, None]
    for name in operators:
        d = np.einsum("kin,aij,kjn->kna", U.conj(), ops[name], U, optimize=True).real
        csum = np.concatenate([np.zeros_like(d[:, :1]), np.cumsum(d, axis=1)], axis=1)
        out[name] = (csum[kk, start + size] - csum[kk, start]) / size[..., None]
    return E, out


def orbital_weights(tb, kred, bands):
    """Weight of each Wannier function in the eigenstates ``bands`` at ``kred``: (nk, len(bands), nw)."""
    E, U = np.linalg.eigh(tb.hamiltonian(kred))
    return np.abs(U[:, :, bands]) ** 2
