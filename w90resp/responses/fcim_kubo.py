r"""FCIM from the full Kubo formula at finite damping eta (intra- and interband).

Koyama, Koretsune and Hattori (FCIM paper) keep, in App. B, only the intraband terms of
their Kubo formulas, which diverge as 1/eta (Eqs. 32-34).  Here the dissipative part of
Eqs. (B1) and (B6) is evaluated with i delta -> i eta kept for every pair of bands n, m.

Derivation (hbar = 1, per g_lambda; F_nm = [f(e_n) - f(e_m)]/(e_n - e_m), F_nn = f'(e_n))
------------------------------------------------------------------------------------
Current part, Eq. (B1) (the Kubo form of Eq. 30):

    f^(1) = (i/V) sum_k sum_nm F_nm (M_a)_nm (J^lambda_b)_mn / (e_n - e_m + i eta),
    J^lambda_b = (v_b Q_lambda + Q_lambda v_b)/2   (all intermediate states).

Torque part, Eq. (B6) (Eq. 31 with D^tau = {r, tau}/2, D^M = {r, M}/2 of Eqs. B4, B5):

    f^(2) = (i/2V) sum_k sum_nm F_nm [ (M_a)_nm ({r_b, tau^lambda})_mn
                                       - ({r_b, M_a})_nm (tau^lambda)_mn ] / (e_n - e_m + i eta),

with the interband position and torque matrices of Eqs. (B9), (B10)

    (r_b)_nm = -i (v_b)_nm / (e_n - e_m),    (tau^lambda)_nm = i (e_n - e_m) (Q_lambda)_nm.

Both have the form (i/V) sum F_nm P_nm/(x_nm + i eta), x_nm = e_n - e_m, with
P^(1)_nm = M_nm J_mn and P^(2)_nm = [M_nm {r,tau}_mn - {r,M}_nm tau_mn]/2.  Since M, J, r,
tau are Hermitian, P_mn = (P_nm)^*, and F_nm = F_mn.  Splitting

    i/(x + i eta) = eta/(x^2 + eta^2) + i x/(x^2 + eta^2),

the first, n <-> m symmetric term selects Re P_nm: it is the dissipative part (App. B,
below Eq. B1); the second, antisymmetric term gives, summed over all ordered pairs,

    f^{lambda:rea}_{ab} = -(1/V) sum_k sum_nm F_nm x_nm/(x_nm^2 + eta^2) Im P_nm,     (R)

the reactive (non-dissipative) part: eta-independent as eta -> 0 for gapped pairs, zero
within a degenerate group (x = 0), and odd under time reversal relative to (K) (the
1/(x + i eta) -> its conjugate), so it vanishes in a nonmagnet and is the part a magnet
adds (``part='reactive'``).  Hence

    f^{lambda:full}_{ab} = (1/V) sum_k sum_nm F_nm L_eta(e_n - e_m) Re[P^(1)_nm + P^(2)_nm],
    L_eta(x) = eta/(x^2 + eta^2).                                                    (K)

Intraband limit.  For n, m in one degenerate group D (in particular n = m),
F_nm L_eta = f'(e_D)/eta and tau_mn = 0, and with e_m = e_n in (B9), (B10)

    ({r, tau})_mn = sum_{l not in D} [r_ml tau_ln + tau_ml r_ln] = -2 (J^out)_mn,

J^out = {v_o, Q_o}/2 built from the elements between D and the other bands.  So the
same-group pairs of (K) give exactly

    current: (1/(V eta)) Tr_D[M_D J_D] f'                          = Eq. (32),
    torque: -(1/(V eta)) Tr_D[M_D J^out_D] f'                      = Eq. (33),
    sum:     (1/(V eta)) Tr_D[M_D {v_D, Q_D}/2] f'                 = Eq. (34),

the gauge-covariant traces that App. B (Eq. B2, all n, n' in D kept as e_m -> e_n) gives
for a degenerate group (a non-degenerate band is a group of one: the printed formulas).
The pairs in different groups are the interband correction; for gaps |e_n - e_m| >> eta
they are O(eta), so f^full / f^(34) -> 1 as eta -> 0 with the deviation O(eta^2).  Where
two bands come closer than eta (Rashba partners near a Kramers point or along a mirror
line) the interband pairs carry weight ~ f'/eta: that is where the finite-eta formula
genuinely differs from Eq. (34), it makes the approach to Eq. (34) slower than eta^2
(decorated square: partners within ~1e-5 of each other along Gamma-M), and the k-grid
has to resolve |e_n - e_m| ~ eta there.

Degenerate groups and gauge invariance.  Elements of r inside a degenerate group (the
non-Abelian Berry connection, gauge dependent) drop out: with e_l = e_m inside a group,
their contributions to the pair (G1, G2) are W_12 (Tr[M_12 r_22 tau_21] + Tr[M_12 tau_21
r_11] - Tr[r_11 M_12 tau_21] - Tr[M_12 r_22 tau_21]) = 0 by cyclicity, since the weight
W = F L_eta depends only on the groups; so r is set to zero within groups.  All energies
are replaced by the group means, so every term is a trace of products of group blocks
and the result is invariant under unitary rotations inside each group.  Counting all
pairs inside an exactly degenerate group with f'/eta (the trace) is also the continuous
limit of (K) from neighbouring k, where the split partners are closer than eta.

Which value at exactly degenerate k-points.  Such points (Kramers pairs at the TRIM,
the Gamma-M lines of MoS2) have measure zero; the trace above is the finite-eta limit,
while :class:`w90resp.responses.fcim.FCIM` uses the eta -> 0 limit (degenerate
perturbation theory, which keeps e.g. MoS2's in-plane intraband responses exactly zero).
On a finite grid they differ by O(1/N_k) (a few 1e-4 of the largest component on the
grids of the tests).  The calculators default to ``same_group='fcim'``: the same-group
terms are then taken from the intraband calculator itself, so that the result is exactly
Eq. (34) plus the interband sum; ``same_group='trace'`` gives the literal App. B sum.

Implementation: P (k, n, m, 9 x ncomp; 45 for the five Q_lambda) from array products over (n, l, m), the weights
F_nm L_eta for all chemical potentials, and the k-sum as one matrix product
(nmu, k n m) x (k n m, 45), in blocks of k-points that bound the memory.
"""
import numpy as np
from wannierberri.result import EnergyResult
from wannierberri.symmetry.point_symmetry import transform_ident, transform_odd

from . import _bands
from ._bands import DEGEN_THRESH
from .bloch_moment import G_SPIN, MOMENTS as BLOCH_MOMENTS, group_mean_energies, moment_matrix_for
from .fcim import FCIM

#: 'total' = (B1) + (B6); 'current' = (B1); 'torque' = (B6); 'intraband' = same-group
#: pairs (= Eq. 34 with group traces); 'interband' = total - intraband.
KUBO_PARTS = ("total", "current", "torque", "intraband", "interband", "reactive")


def _log_cosh(y):
    y = np.abs(y)
    return y + np.log1p(np.exp(-2 * y)) - np.log(2.0)


def _log_sinhc(d):
    """log(sinh(d)/d), accurate for small and overflow-free for large |d|."""
    d = np.abs(d)
    small = d < 0.5
    ds = np.where(small, d, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(ds > 0, np.sinh(ds) / np.where(ds > 0, ds, 1.0), 1.0)
        dl = np.where(small, 1.0, d)
        large = dl + np.log1p(-np.exp(-2 * dl)) - np.log(2.0) - np.log(dl)
    return np.where(small, np.log(s), large)


def fermi_divided_difference(Ea, Eb, mu, kT):
    """[f(Ea) - f(Eb)]/(Ea - Eb), and f'(Ea) where Ea = Eb; shape (nmu,) + broadcast shape.

    Exact rewriting for the Fermi function, free of cancellation and overflow:
    with x = (E - mu)/kT and d = (xa - xb)/2,
    [f(a) - f(b)]/(a - b) = -(1/4kT) [sinh(d)/d] / [cosh(xa/2) cosh(xb/2)].
    """
    if kT <= 0:
        raise ValueError("kT must be positive")
    Ea, Eb = np.broadcast_arrays(np.asarray(Ea, float), np.asarray(Eb, float))
    mu = np.asarray(mu, float).reshape((-1,) + (1,) * Ea.ndim)
    xa, xb = (Ea[None] - mu) / kT, (Eb[None] - mu) / kT
    logw = _log_sinhc(0.5 * (xa - xb)) - _log_cosh(0.5 * xa) - _log_cosh(0.5 * xb)
    return -np.exp(logw) / (4 * kT)


def kubo_pair_factors(E, start, size, mu, kT, eta):
    """F_nm L_eta(e_n - e_m) (nmu, nk, nb, nb) with group-mean energies (f'/eta within groups)."""
    Eb = group_mean_energies(E, start, size)
    dE = Eb[:, :, None] - Eb[:, None, :]
    F = fermi_divided_difference(Eb[:, :, None], Eb[:, None, :], mu, kT)
    return F * (eta / (dE ** 2 + eta ** 2))[None]


def kubo_reactive_factors(E, start, size, mu, kT, eta):
    """-F_nm x_nm/(x_nm^2 + eta^2) (nmu, nk, nb, nb), x = e_n - e_m with group means (Eq. R)."""
    Eb = group_mean_energies(E, start, size)
    dE = Eb[:, :, None] - Eb[:, None, :]
    F = fermi_divided_difference(Eb[:, :, None], Eb[:, None, :], mu, kT)
    return -F * (dE / (dE ** 2 + eta ** 2))[None]


def kubo_pair_weights(M, v, Q, E, start, size, part="total"):
    """Re P_nm of Eq. (K): (nk, nb, nb, 45), see :func:`_pair_weights`."""
    return np.moveaxis(_pair_weights(M, v, Q, E, start, size, part), 1, 3)


def _pair_weights(M, v, Q, E, start, size, part="total", imag=False):
    """Re P_nm of Eq. (K) (module docstring): (nk, 45, nb, nb) real, [k, (a, b, c), n, m];
    Im P_nm with ``imag`` (for Eq. R).

    ``part``: 'total' P^(1) + P^(2), 'current' P^(1) (Eq. B1), 'torque' P^(2) (Eq. B6).
    M (nk, nb, nb, 3), v (nk, nb, nb, 3), Q (nk, nb, nb, 5) band-basis matrices, E the
    energies, ``start``/``size`` the degenerate groups.  The last axis is the flattened
    (alpha, beta, lambda) of shape (3, 3, 5).
    """
    if part not in ("total", "current", "torque"):
        raise ValueError("part must be 'total', 'current' or 'torque'")
    nk, nb = E.shape
    # component-first layout (k, comp, n, m): products of band matrices are batched matmuls;
    # all factors are Hermitian, so {A, B} = AB + (AB)^dagger needs one product
    vc = np.moveaxis(v, 3, 1)
    Qc = np.moveaxis(Q, 3, 1)
    Mc = np.ascontiguousarray(np.moveaxis(M, 3, 1))
    torque = part in ("total", "torque")
    if torque:
        Eb = group_mean_energies(E, start, size)
        same = _bands.group_mask(start)
        dE = Eb[:, :, None] - Eb[:, None, :]                            # e_n - e_m
        inv = np.where(same, 0.0, 1.0 / np.where(same, 1.0, dE))
        r = -1j * vc * inv[:, None]                                     # Eq. (B9)
        tau = 1j * dE[:, None] * Qc                                     # Eq. (B10)
    # W_bc = v_b Q_c (current) + r_b tau_c (torque); Z = (W + W^dagger)/2 = J + {r, tau}/2
    if part == "total":
        W = np.concatenate([vc, r], axis=3)[:, :, None] @ np.concatenate([Qc, tau], axis=2)[:, None]
    elif part == "current":
        W = vc[:, :, None] @ Qc[:, None]
    else:
        W = r[:, :, None] @ tau[:, None]
    # Z^T_{nm} = Z_{mn} = (W_mn + conj(W_nm))/2
    nc = Q.shape[-1]
    ZT = 0.5 * (np.swapaxes(W, -1, -2) + W.conj()).reshape(nk, 3 * nc, nb, nb)
    # P[a b c]_nm = Re[M_a,nm Z_bc,mn] - Re[{r_b, M_a}_nm tau_c,mn]/2
    if imag:
        P = Mc.real[:, :, None] * ZT.imag[:, None] + Mc.imag[:, :, None] * ZT.real[:, None]
    else:
        P = Mc.real[:, :, None] * ZT.real[:, None] - Mc.imag[:, :, None] * ZT.imag[:, None]
    P = P.reshape(nk, 9 * nc, nb, nb)
    if torque:
        R = r[:, None] @ Mc[:, :, None]                                 # r_b M_a: (k, a, b, n, m)
        Y = (R + np.conj(np.swapaxes(R, -1, -2))).reshape(nk, 9, nb, nb)
        tT = np.swapaxes(tau, -1, -2)
        if imag:
            P -= 0.5 * (Y.real[:, :, None] * tT.imag[:, None]
                        + Y.imag[:, :, None] * tT.real[:, None]).reshape(nk, 9 * nc, nb, nb)
        else:
            P -= 0.5 * (Y.real[:, :, None] * tT.real[:, None]
                        - Y.imag[:, :, None] * tT.imag[:, None]).reshape(nk, 9 * nc, nb, nb)
    return P


def _pair_mask(start, part):
    if part == "intraband":
        return _bands.group_mask(start)
    if part == "interband":
        return ~_bands.group_mask(start)
    return None


def kubo_sum(M, v, Q, E, start, size, mu, kT, eta, part="total", k_resolved=False,
             same_group="trace", directions=None, max_bytes=16 * 2 ** 20):
    """sum_k sum_nm F_nm L_eta Re P_nm (Eq. K) for all ``mu``: (nmu, 3, 3, 5).

    Not yet divided by V.  With ``k_resolved``: (nmu, nk, 3, 3, 5).  k-points are taken in
    blocks of at most ``max_bytes`` of work arrays; within a block everything is array
    operations and the mu-dependence is one matrix product.

    ``same_group``: 'trace' takes the pairs inside each degenerate group from Eq. (K)
    (group traces, the finite-eta limit from neighbouring k); 'fcim' takes them from
    :func:`w90resp.responses.fcim.fcim_band_weights`, i.e. exactly the value of the
    intraband calculator :class:`FCIM` (which may treat exactly degenerate k-points
    differently), so that f^full - f^(34) is precisely the interband sum.  The two differ
    only at exactly degenerate k-points.  ``directions``: passed on to
    ``fcim_band_weights`` (its directions of approach to degenerate points) when given.
    """
    if part not in KUBO_PARTS:
        raise ValueError(f"part must be one of {KUBO_PARTS}")
    if same_group not in ("trace", "fcim"):
        raise ValueError("same_group must be 'trace' or 'fcim'")
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    nk, nb = E.shape
    nc = Q.shape[-1]
    ncomp = 9 * nc
    wpart = part if part in ("current", "torque") else "total"
    reactive = part == "reactive"
    intra = None
    if same_group == "fcim" and part not in ("interband", "reactive"):
        from .fcim import fcim_band_weights
        extra = {} if directions is None else {"directions": directions}
        w = fcim_band_weights(M, v, Q, start, size, wpart, **extra)   # (nk, nb, 3, 3, 5)
        fp = -_bands.minus_fermi_derivative(E, mu, kT) / eta          # f'/eta (nmu, nk, nb)
        if k_resolved:
            intra = np.einsum("xkn,knabc->xkabc", fp, w, optimize=True).reshape(len(mu), nk, ncomp)
        else:
            intra = (fp.reshape(len(mu), -1) @ w.reshape(nk * nb, ncomp))
        if part == "intraband":
            return intra.reshape(intra.shape[:-1] + (3, 3, nc))
        part = "interband"
    per_k = nb * nb * (ncomp * 8 + 12 * (nc + 1) * 16 + 8 * len(mu) * 2)
    kb = int(max(1, min(nk, max_bytes // per_k)))
    out = np.zeros((len(mu), nk, ncomp) if k_resolved else (len(mu), ncomp))
    for s in range(0, nk, kb):
        sl = slice(s, min(nk, s + kb))
        st, sz = start[sl], size[sl]
        P = _pair_weights(M[sl], v[sl], Q[sl], E[sl], st, sz, wpart, imag=reactive)
        K = (kubo_reactive_factors if reactive else kubo_pair_factors)(E[sl], st, sz, mu, kT, eta)
        mask = _pair_mask(st, part)
        if mask is not None:
            K = K * mask[None]
        nkb = P.shape[0]
        K = K.reshape(len(mu), nkb, nb * nb)
        P = P.reshape(nkb, ncomp, nb * nb)
        if k_resolved:
            out[:, sl] = np.einsum("xkp,kcp->xkc", K, P, optimize=True)
        else:
            out += np.einsum("xkp,kcp->xc", K, P, optimize=True)
    if intra is not None:
        out += intra
    return out.reshape(out.shape[:-1] + (3, 3, nc))


class FCIMKubo(FCIM):
    """FCIM f^{lambda:dis}_{ab}/g_lambda from the finite-eta Kubo formula (B1) + (B6).

    Intra- and interband pairs (module docstring, Eq. K); ``part='intraband'`` is Eq. (34)
    with group traces (or, with ``same_group='fcim'``, the :class:`FCIM` value), and the
    whole tends to it as eta -> 0.

    Parameters
    ----------
    operators : dict with ``'Q'`` (5, nw, nw) and, for on-site moments, ``'M'`` (3, nw, nw)
    moment_name : label ('L', 'S', 'bloch', ...)
    Efermi, kT, eta : chemical potentials, temperature, damping (energy unit of H)
    part : one of ``KUBO_PARTS``
    moment : optional callable (data_K) -> band-basis moment (nk, nb, nb, 3), e.g. a
        :class:`w90resp.responses.bloch_moment.MomentMatrix`; replaces ``operators['M']``
    same_group : 'fcim' (default) or 'trace', the pairs inside degenerate groups (:func:`kubo_sum`)
    cell_measure, degen_thresh (and further keywords such as ``periodic``) : as for :class:`FCIM`
    max_bytes : memory bound for the work arrays of one block of k-points
    """

    def __init__(self, operators, moment_name, Efermi, kT, eta, part="total", moment=None,
                 same_group="fcim", cell_measure=None, degen_thresh=DEGEN_THRESH,
                 max_bytes=16 * 2 ** 20, **kwargs):
        if part not in KUBO_PARTS:
            raise ValueError(f"part must be one of {KUBO_PARTS}")
        if same_group not in ("trace", "fcim"):
            raise ValueError("same_group must be 'trace' or 'fcim'")
        self.same_group = same_group
        super().__init__(operators, moment_name, Efermi, kT, eta, part="total",
                         cell_measure=cell_measure, degen_thresh=degen_thresh, **kwargs)
        self.part = part
        self.moment = moment
        self.max_bytes = int(max_bytes)
        self.comment = (f"FCIM f/g_lambda, M={moment_name}, full Kubo at finite eta, part={part} "
                        "(Koyama et al. Eqs. B1, B6)")

    def moment_matrix(self, data_K):
        if self.moment is not None:
            return self.moment(data_K)
        return super().moment_matrix(data_K)

    def __call__(self, data_K):
        start, size = _bands.groups(data_K, self.degen_thresh)
        M = self.moment_matrix(data_K)
        Q = _bands.band_operator(data_K, "Q", self.Q)
        v = _bands.velocity(data_K)
        res = kubo_sum(M, v, Q, data_K.E_K, start, size, self.Efermi, self.kT, self.eta,
                       self.part, same_group=self.same_group,
                       directions=getattr(self, "directions", None), max_bytes=self.max_bytes)
        measure = self.cell_measure if self.cell_measure is not None else data_K.cell_volume
        res = res / (measure * data_K.nk)
        # the dissipative part is even under time reversal (M and the 1/eta both odd), the
        # reactive part (Eq. R) odd; both odd under inversion
        tr = transform_odd if self.part == "reactive" else transform_ident
        return EnergyResult(self.Efermi, self.result_array(res), transformTR=tr,
                            transformInv=transform_odd, comment=self.comment,
                            save_mode=self.save_mode)


def fcim_kubo_calculators(tb, mu, kT, eta, moments=("L", "S"), parts=("total",),
                          degen_thresh=DEGEN_THRESH, operators=None, g_spin=G_SPIN,
                          bloch_to_muB=None, same_group="fcim", parallel=False):
    """:class:`FCIMKubo` calculators keyed 'L', 'S_interband', 'bloch', ...

    ``moments`` among 'L', 'S' (on-site, hbar) and 'bloch', 'orbital', 'total' (magnetic
    moments, see :mod:`w90resp.responses.bloch_moment`).
    """
    ops = tb.operators() if operators is None else operators
    calcs = {}
    for name in moments:
        if name in BLOCH_MOMENTS:
            mm, _ = moment_matrix_for(tb, name, g_spin, bloch_to_muB, degen_thresh, ops)
            opsM = {"Q": ops["Q"]}
        elif name in ops and name != "Q":
            mm, opsM = None, {"M": ops[name], "Q": ops["Q"]}
        else:
            raise ValueError(f"unknown moment '{name}' (L, S, {', '.join(BLOCH_MOMENTS)})")
        for part in parts:
            key = name if part == "total" else f"{name}_{part}"
            calcs[key] = FCIMKubo(opsM, name, mu, kT, eta, part=part, moment=mm,
                                  same_group=same_group, cell_measure=tb.cell_measure,
                                  degen_thresh=degen_thresh, periodic=tuple(tb.periodic))
    return calcs


def fcim_kubo_response(tb, mu, kT, eta, nk, moments=("L", "S"), parts=("total",), symmetry=True,
                       progress=False, degen_thresh=DEGEN_THRESH, max_fft=None, g_spin=G_SPIN,
                       bloch_to_muB=None, same_group="fcim", parallel=False):
    """Finite-eta Kubo FCIM of ``tb`` on an nk grid; mirrors :func:`fcim.fcim_response`.

    Returns a dict moment[_part] -> (nmu, 3, 3, 5) [mu][alpha][beta][lambda], in the units
    of ``fcim_response`` (L, S: hbar/(energy x length) per area in 2D) or, for the
    magnetic moments 'bloch'/'orbital'/'total', mu_B/(energy x length).
    """
    from .. import runner
    from ..operators import cartesian_to_lambda
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    calcs = fcim_kubo_calculators(tb, mu, kT, eta, moments, parts, degen_thresh, g_spin=g_spin,
                                  bloch_to_muB=bloch_to_muB, same_group=same_group)
    raw = runner.run(tb, calcs, nk, symmetry=symmetry, progress=progress, max_fft=max_fft,
                     parallel=parallel)
    return {k: cartesian_to_lambda(v) for k, v in raw.items()}
