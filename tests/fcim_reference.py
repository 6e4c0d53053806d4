"""Plain-numpy reference for the FCIM, written independently of the package's calculators.

A per-k-point loop: diagonalize H(k), take band-basis M, v = dH/dk, Q, and for each group
of exactly degenerate bands add Re Tr[M v Q] f'(e) (FCIM paper Eq. 34 with the trace over
the degenerate subspace), or the current (Eq. 32) / torque (Eq. 33) parts.
"""
import numpy as np


def fermi_prime(e, mu, kT):
    x = (e - mu) / kT
    return -1.0 / (kT * (np.exp(x / 2) + np.exp(-x / 2)) ** 2)


def fcim_brute_force(tb, mu, kT, eta, nk, moment, part="total", thresh=1e-10):
    ops = tb.operators()
    Mw, Qw = ops[moment], ops["Q"]
    mu = np.asarray(mu)
    out = np.zeros((len(mu), 3, 3, 5))
    for i in range(nk):
        for j in range(nk):
            k = np.array([[i / nk, j / nk, 0.0]])
            H, dH = tb.hamiltonian(k, derivative=True)
            e, u = np.linalg.eigh(H[0])
            M = np.einsum("in,aij,jm->anm", u.conj(), Mw, u)
            Q = np.einsum("in,aij,jm->anm", u.conj(), Qw, u)
            v = np.einsum("in,ija,jm->anm", u.conj(), dH[0], u)
            n = 0
            while n < len(e):
                g = n
                while g + 1 < len(e) and e[g + 1] - e[g] < thresh:
                    g += 1
                D = list(range(n, g + 1))
                O = [m for m in range(len(e)) if m not in D]
                MD = M[:, D][:, :, D]
                if part == "total":
                    t = 0.5 * (np.einsum("anm,bml,cln->abc", MD, v[:, D][:, :, D], Q[:, D][:, :, D])
                               + np.einsum("anm,cml,bln->abc", MD, Q[:, D][:, :, D], v[:, D][:, :, D]))
                elif part == "current":
                    J = 0.5 * (np.einsum("bml,cln->bcmn", v, Q) + np.einsum("cml,bln->bcmn", Q, v))
                    t = np.einsum("anm,bcmn->abc", MD, J[:, :, D][:, :, :, D])
                else:
                    J = 0.5 * (np.einsum("bml,cln->bcmn", v[:, D][:, :, O], Q[:, O][:, :, D])
                               + np.einsum("cml,bln->bcmn", Q[:, D][:, :, O], v[:, O][:, :, D]))
                    t = -np.einsum("anm,bcmn->abc", MD, J)
                out += fermi_prime(e[n], mu, kT)[:, None, None, None] * t.real[None]
                n = g + 1
    return out / (eta * nk * nk * tb.cell_measure)
