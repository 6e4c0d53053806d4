"""Plain-numpy reference for the FCIM, written independently of the package's calculators.

A per-k-point loop: diagonalize H(k), take band-basis M, v = dH/dk, Q and add, band by
band, M_n v_n Q_n f'(e_n) (FCIM paper Eq. 34), or the current (Eq. 32) / torque (Eq. 33)
parts.  Inside a group of exactly degenerate bands the basis is first rotated to the
eigenvectors of v_D . e (the states the group splits into along e; if that matrix is
itself degenerate, the group contributes the trace of M{v,Q}/2 over D instead), and the
result is averaged over 24 in-plane directions e.
"""
import numpy as np

# in-plane directions at 7.5 + 15 j degrees, j = 0..23 (never along a symmetry line)
_TH = np.deg2rad(7.5 + 15 * np.arange(24))
DIRECTIONS = np.stack([np.cos(_TH), np.sin(_TH), 0 * _TH], axis=1)


def fermi_prime(e, mu, kT):
    x = (e - mu) / kT
    return -1.0 / (kT * (np.exp(x / 2) + np.exp(-x / 2)) ** 2)


def _band_terms(Mw, Qw, dH, states, all_states, j, part):
    """Printed Eqs. (32)-(34) for state ``states[:, j]``, intermediate states ``all_states``."""
    s = states[:, j]
    Mn = np.einsum("i,aij,j->a", s.conj(), Mw, s).real
    vn = np.einsum("i,ija,j->a", s.conj(), dH, s).real
    Qn = np.einsum("i,aij,j->a", s.conj(), Qw, s).real
    total = np.einsum("a,b,c->abc", Mn, vn, Qn)
    if part == "total":
        return total
    vm = np.einsum("i,ija,jm->am", s.conj(), dH, all_states)     # v_{n m}
    Qm = np.einsum("mi,aij,j->am", all_states.conj().T, Qw, s)    # Q_{m n}
    overlap = np.abs(all_states.conj().T @ s)
    others = overlap < 0.5                                        # m != n
    torque = -np.einsum("a,bm,cm->abc", Mn, vm[:, others], Qm[:, others]).real
    return torque if part == "torque" else total - torque


def fcim_brute_force(tb, mu, kT, eta, nk, moment, part="total", thresh=1e-10, directions=DIRECTIONS):
    ops = tb.operators()
    Mw, Qw = ops[moment], ops["Q"]
    mu = np.asarray(mu)
    out = np.zeros((len(mu), 3, 3, 5))
    for i in range(nk):
        for j in range(nk):
            k = np.array([[i / nk, j / nk, 0.0]])
            H, dH = tb.hamiltonian(k, derivative=True)
            e, u = np.linalg.eigh(H[0])
            dH = dH[0]
            n = 0
            while n < len(e):
                g = n
                while g + 1 < len(e) and e[g + 1] - e[g] < thresh:
                    g += 1
                D = list(range(n, g + 1))
                uD = u[:, D]
                if len(D) == 1:
                    t = _band_terms(Mw, Qw, dH, uD, u, 0, part)
                    out += fermi_prime(e[n], mu, kT)[:, None, None, None] * t[None]
                    n = g + 1
                    continue
                for direction in directions:
                    A = np.einsum("c,in,ijc,jm->nm", direction, uD.conj(), dH, uD)
                    lam, W = np.linalg.eigh(A)
                    scale = 1 + np.abs(np.einsum("in,ijc,jm->nmc", uD.conj(), dH, uD)).max()
                    if np.diff(lam).min() > 1e-7 * scale:
                        limit = uD @ W
                        basis = np.hstack([limit, np.delete(u, D, axis=1)])
                        for jj in range(len(D)):
                            t = _band_terms(Mw, Qw, dH, limit, basis, jj, part)
                            out += fermi_prime(e[D[jj]], mu, kT)[:, None, None, None] * t[None] / len(directions)
                        continue
                    M = np.einsum("in,aij,jm->anm", uD.conj(), Mw, uD)
                    vfull = np.einsum("in,ija,jm->anm", uD.conj(), dH, u)
                    Qfull = np.einsum("in,aij,jm->anm", u.conj(), Qw, uD)   # Q_{m n}, m all
                    if part == "torque":
                        O = [m for m in range(len(e)) if m not in D]
                        vfull, Qfull = vfull[:, :, O], Qfull[:, O]
                    elif part == "total":
                        vfull, Qfull = vfull[:, :, D], Qfull[:, D]
                    J = 0.5 * (np.einsum("bnl,clm->bcnm", vfull, Qfull)
                               + np.einsum("cnl,blm->bcnm", np.conj(np.swapaxes(Qfull, 1, 2)),
                                           np.conj(np.swapaxes(vfull, 1, 2))))
                    for jj in range(len(D)):
                        t = np.einsum("an,bcn->abc", M[:, jj], J[:, :, :, jj]).real
                        if part == "torque":
                            t = -t
                        out += fermi_prime(e[D[jj]], mu, kT)[:, None, None, None] * t[None] / len(directions)
                n = g + 1
    return out / (eta * nk * nk * tb.cell_measure)


def random_gauge(U, E, rng, thresh=1e-10):
    """Eigenvectors U (nk, nw, nb) with a random unitary applied inside every group of
    bands closer than ``thresh``; returns (U', start, size, rotations)."""
    from w90resp.responses import _bands
    start, size = _bands.degenerate_groups(E, thresh)
    U = U.copy()
    rots = []
    for ik in range(E.shape[0]):
        n = 0
        while n < E.shape[1]:
            g = size[ik, n]
            if g > 1:
                A = rng.normal(size=(g, g)) + 1j * rng.normal(size=(g, g))
                W, _ = np.linalg.qr(A)
                U[ik, :, n:n + g] = U[ik, :, n:n + g] @ W
                rots.append((ik, n, g, W))
            n += g
    return U, start, size, rots


#: k-points of the degenerate-subspace gauge tests: the four TRIM (Kramers pairs) and a
#: generic point
TRIM_AND_GENERIC = np.array([[0, 0, 0], [0.5, 0, 0], [0, 0.5, 0], [0.5, 0.5, 0], [0.2, 0.1, 0]])


def trim_gauge_setup(model, seed):
    """Bands of ``model`` at TRIM_AND_GENERIC and a random gauge inside the degenerate
    groups: returns dH, E, U, the operators, U' and the groups (start, size)."""
    H, dH = model.hamiltonian(TRIM_AND_GENERIC, derivative=True)
    E, U = np.linalg.eigh(H)
    U2, start, size, _ = random_gauge(U, E, np.random.default_rng(seed))
    return dH, E, U, model.operators(), U2, start, size
