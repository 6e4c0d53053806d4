r"""Spin magnetic quadrupole moment, spin magnetoelectric and gravito-ME responses.

Shitade, Daido and Yanase, "Theory of spin magnetic quadrupole moment and
temperature-gradient-induced magnetization" (spin-MQM paper).  With hbar = 1 (p = k),
v^i = dH/dk_i and s_a = S_a = sigma_a / 2, the band-resolved quantities are

* Eq. (8b):  Omega^i_{an} = i sum_{m != n} v^i_nm s^a_mn / (e_n - e_m)^2 + c.c.
                         = -2 Im sum_{m != n} v^i_nm s^a_mn / (e_n - e_m)^2,
* Eq. (8c):  m^i_{an}     = -(i/2) sum_{m != n} v^i_nm s^a_mn / (e_n - e_m) + c.c.
                         = Im sum_{m != n} v^i_nm s^a_mn / (e_n - e_m),

and, with int[dk] = int d^dk/(2 pi)^d (per unit area in 2D), x_n = e_n - mu,
f the Fermi function at temperature T and I(x) = int_x^inf f(z) dz = T log(1 + e^{-x/T}):

* Eq. (8a),  spin MQM:        M^i_a       = (g mu_B/hbar) sum_n int[dk] [-Omega I(x_n) + m f_n],
* Eq. (19a), spin ME (Kubo):  alpha^i_a   = q (g mu_B/hbar) sum_n int[dk] Omega f_n,
* Eq. (19b), gravito-ME Kubo: T beta~^i_a = (g mu_B/hbar) sum_n int[dk] [Omega x_n + m] f_n,
* Eq. (20),  gravito-ME:      T beta^i_a  = T beta~ - M (Eq. 18)
                                         = (g mu_B/hbar) sum_n int[dk] Omega [x_n f_n + I(x_n)],
* d alpha/d mu = q (g mu_B/hbar) sum_n int[dk] Omega (-df/de) (Eq. E1 at T -> 0), which
  enters the Mott relation (21), beta = (pi^2 T / 3q) d alpha / d mu.

Internally q = g mu_B/hbar = hbar = k_B = 1 ("natural" units, energies and lengths of
the Hamiltonian); :func:`unit_factors` converts to the units of Fig. 1 of the paper or
to SI.  The bracket x f(x) + I(x) of Eq. (20) is the even function
T [y e^{-y}/(1 + e^{-y}) + log(1 + e^{-y})], y = |x|/T, evaluated in that form (no
cancellation between the Kubo term and the MQM); I(x) uses ``np.logaddexp``.  T = 0
gives step functions (I(x) = max(-x, 0), Tbeta = 0).

Tensors are indexed [a][i]: a the spin direction (axial), i the field / gradient
direction (polar).  All of alpha, M, T beta~, T beta are inversion odd and time-reversal
odd (they vanish with time reversal, e.g. b = 0 in the Rashba model); WannierBerri's
point-group symmetrization uses these parities.

Degenerate and nearly degenerate bands.  Every 1/(e_n - e_m) of Eq. (8) is the
regularized inverse gap of :func:`w90resp.responses._bands.pair_factors` with crossover
scale Gamma = ``degen_thresh`` (default ``_bands.PAIR_SCALE`` = 1e-4 energy units):
1/Delta (1 - (Gamma/Delta)^4 + ...) for pairs split by Delta >> Gamma (Eq. 8 as
printed), Delta^3/Gamma^4 -> 0 for Delta << Gamma, so that pairs inside a degenerate
group D drop out and D contributes the gauge-covariant trace

    sum_{n in D} Omega_n = -2 Im sum_{D' != D} Tr[P_D v^i P_D' s_a] / (e_D - e_D')^2

(similarly for m), invariant under unitary rotations inside D (single-band values
are not, only their sum).  The energies in the weights are group means only for exact
degeneracies (``_bands.DEGEN_THRESH``).  Why the crossover: a pair split by delta
carries -2 Im v_nm s_mn (f_n - f_m)/delta^2 -> 2 Im v_nm s_mn f'/delta, which depends on
the basis the splitting selects and grows without bound when a grid point falls on a
line where a Wannier Hamiltonian splits symmetry partners by noise; with the regulator
the result is a smooth function of H and of the grid.  Physically Eq. (8) assumes
splittings >> hbar/tau; pairs closer than Gamma are treated as unresolved.

Vectorization.  Per chunk of k points, Omega and m are computed with array operations
(no loop over k); the mu and T dependence enters only through weight matrices
W[mu, (k, n)], so every response is one matrix product W @ Omega (or W @ m).  Only the
states within 40 kT of the mu range get weight matrices (:func:`family_sums`): below
it f = 1, I = mu - e and x f = e - mu, so those states enter as three sums; the weights
are shared by all quantities of one (spin, mu, T), which are evaluated together.
"""
import hashlib
import warnings
import weakref

import numpy as np
from scipy.special import expit
from wannierberri.calculators.calculator import Calculator
from wannierberri.result import EnergyResult
from wannierberri.symmetry.point_symmetry import transform_odd

from . import _bands, geometry
from ._bands import DEGEN_THRESH, PAIR_SCALE

#: responses computed by :class:`SpinMQM` and :func:`spin_mqm_response`
QUANTITIES = ("alpha", "M", "Tbeta_kubo", "Tbeta", "dalpha_dmu")

EQUATIONS = {
    "alpha": "spin ME susceptibility alpha^i_a, Eq. (19a)",
    "M": "spin MQM M^i_a, Eq. (8a)",
    "Tbeta_kubo": "Kubo gravito-ME T beta~^i_a, Eq. (19b)",
    "Tbeta": "gravito-ME T beta^i_a = T beta~ - M, Eqs. (18), (20)",
    "dalpha_dmu": "d alpha^i_a / d mu = q sum Omega (-f'), Eq. (E1)",
}


# --------------------------------------------------------------------- band geometry
def band_geometry(E, v, S, degen_thresh=PAIR_SCALE):
    r"""Band-resolved Omega^i_{an} (Eq. 8b) and m^i_{an} (Eq. 8c).

    Parameters
    ----------
    E : (nk, nb) band energies, ascending at each k
    v : (nk, nb, nb, 3) band-basis velocity v^i_nm = <n|dH/dk_i|m> (hbar = 1)
    S : (nk, nb, nb, 3) band-basis spin s^a_nm = <n|S_a|m> (S = sigma/2)
    degen_thresh : bands closer than this form one degenerate group; the sum over m
        excludes the group of n (module docstring)

    Returns
    -------
    Omega, m : (nk, nb, 3, 3) real arrays indexed [k, n, a, i] (a spin, i velocity).
    Within a degenerate group only the sum over the group is gauge invariant.
    """
    v, S = np.asarray(v), np.asarray(S)
    return _band_geometry([v[..., i] for i in range(3)], [S[..., a] for a in range(3)],
                          E, degen_thresh)


def _band_geometry(vl, Sl, E, degen_thresh=PAIR_SCALE, kblock=32):
    """:func:`band_geometry` from component lists v^i, s^a of (nk, nb, nb) matrices.

    Im Y[k, n, (w, i), a] = Im sum_m w_nm v^i_nm s^a_mn for the two weights
    w = 1/(e_n - e_m)^2 and 1/(e_n - e_m) is one batched real (6 x 2nb) @ (2nb x 3)
    product per (k, n), with s^a_mn = conj(s^a_nm) (Hermitian S); blocks of ``kblock``
    k points.
    """
    E = np.asarray(E, dtype=float)
    nk, nb = E.shape
    Omega = np.empty((nk, nb, 3, 3))
    mom = np.empty((nk, nb, 3, 3))
    for k0 in range(0, nk, kblock):
        ks = slice(k0, k0 + kblock)
        Eb = E[ks]
        g, _ = _bands.pair_factors(Eb, degen_thresh)        # ~ 1/(e_m - e_n)
        inv = -g                                            # ~ 1/(e_n - e_m)
        inv2 = inv * inv
        n = Eb.shape[0]
        # Im sum_m w v^i_nm conj(s^a_nm) = sum_m [w Im v, w Re v] . [Re s, -Im s] (real)
        V = np.empty((n, nb, 6, 2 * nb))
        St = np.empty((n, nb, 2 * nb, 3))
        for i in range(3):
            vi = vl[i][ks]
            for j, w in ((i, inv2), (3 + i, inv)):
                np.multiply(vi.imag, w, out=V[:, :, j, :nb])
                np.multiply(vi.real, w, out=V[:, :, j, nb:])
            St[:, :, :nb, i] = Sl[i][ks].real
            np.negative(Sl[i][ks].imag, out=St[:, :, nb:, i])
        Y = np.matmul(V, St)                                # (n, nb, 6, 3)
        Omega[ks] = -2.0 * np.swapaxes(Y[:, :, :3], 2, 3)
        mom[ks] = np.swapaxes(Y[:, :, 3:], 2, 3)
    return Omega, mom


def group_energies(E, degen_thresh=DEGEN_THRESH):
    """Energies replaced by the mean of their degenerate group (same shape as E)."""
    E = np.asarray(E, dtype=float)
    start, size = _bands.degenerate_groups(E, degen_thresh)
    idx, valid = _bands.group_index(start, size)
    kk = np.arange(E.shape[0])[:, None, None]
    return np.where(valid, E[kk, idx], 0.0).sum(axis=2) / size


def spin_operator(tb):
    """Wannier-basis spin S = sigma/2 (3, nw, nw) of a spinful TightBinding."""
    if not tb.spinful:
        raise ValueError(f"system '{tb.name}' has no spin (spinful orbitals are needed "
                         "for the spin MQM family)")
    return tb.operators()["S"]


def band_resolved(tb, kpoints, cartesian=False, degen_thresh=PAIR_SCALE, chunk=20000):
    r"""E_n, Omega^i_{an} (Eq. 8b) and m^i_{an} (Eq. 8c) at arbitrary k points.

    ``kpoints`` (nk, 3): reduced coordinates, or Cartesian (inverse length unit of the
    lattice) with ``cartesian=True`` -- e.g. a k path or a grid.  Uses the direct
    Fourier sum :meth:`TightBinding.hamiltonian` (velocity with orbital positions in the
    phase, like WannierBerri).  Returns a dict with ``"E"`` (nk, nb), ``"Omega"`` and
    ``"m"`` (nk, nb, 3, 3) indexed [k, n, a, i].
    """
    k = np.atleast_2d(np.asarray(kpoints, dtype=float))
    if cartesian:
        k = k @ tb.real_lattice.T / (2 * np.pi)
    Sw = spin_operator(tb)
    out = {"E": [], "Omega": [], "m": []}
    for s in range(0, len(k), chunk):
        H, dH = tb.hamiltonian(k[s:s + chunk], derivative=True)
        E, U = np.linalg.eigh(H)
        v = np.einsum("kim,kijc,kjn->kmnc", U.conj(), dH, U, optimize=True)
        Sb = _bands.rotate_onsite(U, Sw)
        Om, mom = band_geometry(E, v, Sb, degen_thresh)
        out["E"].append(group_energies(E, DEGEN_THRESH))
        out["Omega"].append(Om)
        out["m"].append(mom)
    return {key: np.concatenate(val) for key, val in out.items()}


# ------------------------------------------------------------------ thermal weights
def integrated_fermi(x, kT):
    """I(x) = int_x^inf f(z) dz = kT log(1 + exp(-x/kT)), overflow safe; kT = 0: max(-x, 0)."""
    x = np.asarray(x, dtype=float)
    if kT <= 0:
        return np.maximum(-x, 0.0)
    return kT * np.logaddexp(0.0, -x / kT)


def gravito_bracket(x, kT):
    """x f(x) + I(x) of Eq. (20): kT [y e^{-y}/(1+e^{-y}) + log1p(e^{-y})], y = |x|/kT."""
    x = np.asarray(x, dtype=float)
    if kT <= 0:
        return np.zeros_like(x)
    y = np.abs(x) / kT
    e = np.exp(-y)
    return kT * (y * e / (1 + e) + np.log1p(e))


def thermal_weights(E, mu, kT, kinds=("f", "I", "xf", "g", "mfp")):
    """Weight matrices (nmu, N) for flat energies ``E`` (N,), chemical potentials ``mu``.

    ``f`` Fermi function, ``I`` = int_x^inf f, ``xf`` = x f, ``g`` = x f + I,
    ``mfp`` = -df/de (needs kT > 0), x = E - mu.
    """
    x = np.asarray(E, dtype=float).reshape(1, -1) - np.asarray(mu, dtype=float).reshape(-1, 1)
    W = {}
    if kT > 0:
        y = x / kT
        f = expit(-y)
    else:
        f = np.where(x < 0, 1.0, np.where(x > 0, 0.0, 0.5))
    for kind in kinds:
        if kind == "f":
            W[kind] = f
        elif kind == "I":
            W[kind] = integrated_fermi(x, kT)
        elif kind == "xf":
            W[kind] = x * f
        elif kind == "g":
            W[kind] = gravito_bracket(x, kT)
        elif kind == "mfp":
            if kT <= 0:
                raise ValueError("d alpha/d mu needs T > 0")
            ex = np.exp(-np.abs(y))
            W[kind] = ex / (kT * (1 + ex) ** 2)
        else:
            raise ValueError(f"unknown weight {kind!r}")
    return W


#: weight kinds needed by each quantity
_NEEDS = {"alpha": ("f",), "M": ("I", "f"), "Tbeta_kubo": ("xf", "f"), "Tbeta": ("g",),
          "dalpha_dmu": ("mfp",)}


def combine(W, Omega, mom, quantity, charge=1.0):
    """One response (nmu, 3, 3) from weights ``W`` and flat per-band Omega, m (N, 3, 3)."""
    Om = Omega.reshape(Omega.shape[0], 9)
    mm = mom.reshape(mom.shape[0], 9)
    if quantity == "alpha":
        r = charge * (W["f"] @ Om)
    elif quantity == "M":
        r = -(W["I"] @ Om) + W["f"] @ mm
    elif quantity == "Tbeta_kubo":
        r = W["xf"] @ Om + W["f"] @ mm
    elif quantity == "Tbeta":
        r = W["g"] @ Om
    elif quantity == "dalpha_dmu":
        r = charge * (W["mfp"] @ Om)
    else:
        raise ValueError(f"unknown quantity {quantity!r}; known: {QUANTITIES}")
    return r.reshape(-1, 3, 3)


def _window_parts(E, mu, kT, exps):
    """x = E - mu, f and t = e^{-|x|/kT} (nmu, N) for flat energies in the Fermi window.

    ``exps`` = (e^{(c - mu)/kT}, e^{(E - c)/kT}) when the exponential factorizes (one
    exponential per energy and per mu), else None (overflow-safe direct form).
    """
    x = np.subtract.outer(-mu, -E)                          # E - mu
    if exps is not None:
        ey = np.multiply.outer(exps[0], exps[1])            # e^{x/kT}
        t = np.reciprocal(ey)
        np.minimum(t, ey, out=t)
        ey += 1.0
        f = np.reciprocal(ey, out=ey)
    else:
        t = np.exp(-np.abs(x) / kT)
        f = np.where(x > 0, t, 1.0)
        f /= 1.0 + t
    return x, f, t


def family_sums(E, Omega, mom, mu, kT, quantities, cutoff=40.0, max_entries=2 ** 16):
    """sum_{k,n} of the weighted Omega and m of several quantities in one pass.

    ``E`` (N,) (group energies), ``Omega``/``mom`` (N, 3, 3) flat over (k, band).
    Returns {quantity: (nmu, 3, 3)} with charge 1, equal to :func:`combine` of
    :func:`thermal_weights`.  Only states within ``cutoff`` kT of the mu range get
    weight matrices (shared by all quantities, in slices of at most ``max_entries``
    entries per matrix); states below it have f = 1, I = mu - e, x f = e - mu and
    x f + I = 0 up to e^-cutoff and enter as three sums (exact at T = 0), states
    above have weights below e^-cutoff (0 at T = 0).
    """
    E = np.asarray(E, dtype=float).reshape(-1)
    Om = np.asarray(Omega).reshape(E.size, 9)
    mm = np.asarray(mom).reshape(E.size, 9)
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    quantities = [q for q in QUANTITIES if q in set(quantities)]
    for q in quantities:
        if q == "dalpha_dmu" and kT <= 0:
            raise ValueError("d alpha/d mu needs T > 0")
    nmu = mu.size
    out = {q: np.zeros((nmu, 9)) for q in quantities}
    if kT > 0:
        below = E <= mu.min() - cutoff * kT
        inside = ~below & (E < mu.max() + cutoff * kT)
    else:
        below = E < mu.min()
        inside = ~below & (E <= mu.max())
    if below.any():
        S0 = Om[below].sum(axis=0)
        S1 = E[below] @ Om[below]
        Sm = mm[below].sum(axis=0)
        lin = S1[None, :] - mu[:, None] * S0[None, :]       # sum (e - mu) Omega
        for q in quantities:
            if q == "alpha":
                out[q] += S0
            elif q in ("M", "Tbeta_kubo"):
                out[q] += lin + Sm
    Ew, Omw, mmw = E[inside], Om[inside], mm[inside]
    if Ew.size == 0:
        return {q: r.reshape(nmu, 3, 3) for q, r in out.items()}
    exps = None
    if kT > 0:
        c = 0.5 * (mu.max() + mu.min())
        a, b = (Ew - c) / kT, (c - mu) / kT
        if max(np.abs(a).max(), np.abs(b).max()) < 300:
            exps = (np.exp(b), np.exp(a))
    need_fm = "M" in out or "Tbeta_kubo" in out
    need_L = kT > 0 and ("M" in out or "Tbeta" in out)
    step = max(1, int(max_entries // nmu))
    for s in range(0, Ew.size, step):
        sl = slice(s, s + step)
        if kT > 0:
            x, f, t = _window_parts(Ew[sl], mu, kT,
                                    None if exps is None else (exps[0], exps[1][sl]))
            if need_L:
                L = np.log1p(t)                             # kT log(1 + e^{-|x|/kT})
                L *= kT
        else:
            x = np.subtract.outer(-mu, -Ew[sl])
            f = np.where(x < 0, 1.0, np.where(x > 0, 0.0, 0.5))
        O = Omw[sl]
        if need_fm:
            fm = f @ mmw[sl]
        if "dalpha_dmu" in out:                             # -f' = t/(kT (1+t)^2)
            d = 1.0 + t
            d *= d
            d *= kT
            out["dalpha_dmu"] += np.divide(t, d, out=d) @ O
        if "Tbeta" in out and kT > 0:                       # x f + I = |x| t/(1+t) + kT L
            w = np.abs(x)
            w *= t
            t += 1.0
            w /= t
            w += L
            out["Tbeta"] += w @ O
        if "alpha" in out:
            out["alpha"] += f @ O
        if "Tbeta_kubo" in out:
            out["Tbeta_kubo"] += np.multiply(x, f, out=f) @ O + fm
        if "M" in out:                                      # -I(x) = min(x, 0) - kT L
            w = np.minimum(x, 0.0, out=x)
            if kT > 0:
                w -= L
            out["M"] += w @ O + fm
    return {q: r.reshape(nmu, 3, 3) for q, r in out.items()}


def integrate(E, Omega, mom, mu, T, quantities=QUANTITIES, weights=None, charge=1.0,
              max_weight_entries=4_000_000):
    """sum_{k,n} w_k X_{kn}(mu, T) for band-resolved arrays (any k set, any weights).

    ``E`` (nk, nb), ``Omega``/``mom`` (nk, nb, 3, 3); ``weights`` (nk,) per k-point
    measure (e.g. d^2k/(2 pi)^2 of a quadrature; default 1).  The (k, n) axis is
    processed in slices so that each weight matrix has at most ``max_weight_entries``
    entries.  Returns a dict quantity -> (nmu, 3, 3).
    """
    E = np.asarray(E, dtype=float)
    nk, nb = E.shape
    if weights is not None:
        w = np.asarray(weights, dtype=float).reshape(nk, 1, 1, 1)
        Omega, mom = Omega * w, mom * w
    kinds = sorted({k for q in quantities for k in _NEEDS[q]})
    Ef = E.reshape(-1)
    Om = Omega.reshape(nk * nb, 3, 3)
    mm = mom.reshape(nk * nb, 3, 3)
    # states far above every mu carry weights below exp(-60) in all kinds: skip them
    keep = Ef < np.max(mu) + 60.0 * float(T) + (1e-12 if T <= 0 else 0.0)
    if not np.all(keep):
        Ef, Om, mm = Ef[keep], Om[keep], mm[keep]
    nmu = np.atleast_1d(mu).size
    step = max(1, int(max_weight_entries // max(nmu, 1)))   # bound the (nmu, N) matrices
    out = {q: 0.0 for q in quantities}
    for s in range(0, Ef.size, step):
        W = thermal_weights(Ef[s:s + step], mu, float(T), kinds)
        for q in quantities:
            out[q] = out[q] + combine(W, Om[s:s + step], mm[s:s + step], q, charge)
    return out


# ---------------------------------------------------------------- the calculators
class SpinMQM(Calculator):
    r"""One response of the spin-MQM family for a chemical-potential scan, one temperature.

    Parameters
    ----------
    quantity : 'alpha' (Eq. 19a), 'M' (Eq. 8a), 'Tbeta_kubo' (Eq. 19b), 'Tbeta'
        (Eq. 20) or 'dalpha_dmu' (Eq. E1 at temperature T)
    spin : Wannier-basis S = sigma/2 (3, nw, nw) (:func:`spin_operator`)
    Efermi : chemical potentials (energy unit of the Hamiltonian), any spacing
    kT : temperature (energy unit), >= 0
    charge : q of Eq. (19a) in the output unit of charge (1: results per q)
    cell_measure : cell volume, or cell area for 2D (per-area output); default the 3D
        cell volume of the system
    degen_thresh : degenerate-group threshold (module docstring)

    Returns an ``EnergyResult`` (nmu, 3, 3) indexed [mu][a][i], inversion odd and
    time-reversal odd.  Calculators of one run share the band geometry of each k chunk;
    those with equal (spin, mu, kT, degen_thresh) form a family whose sums are evaluated
    in one pass over the Fermi window, when the first of them is called.
    """

    def __init__(self, quantity, spin, Efermi, kT, charge=1.0, cell_measure=None,
                 degen_thresh=PAIR_SCALE, **kwargs):
        if quantity not in QUANTITIES:
            raise ValueError(f"unknown quantity {quantity!r}; known: {QUANTITIES}")
        self.comment = f"{EQUATIONS[quantity]} (Shitade, Daido, Yanase), kT={kT}"
        super().__init__(degen_thresh=degen_thresh, **kwargs)
        if kT < 0:
            raise ValueError("kT must be >= 0")
        if quantity == "dalpha_dmu" and kT <= 0:
            raise ValueError("dalpha_dmu needs kT > 0")
        self.quantity = quantity
        self.spin = np.asarray(spin)
        self.Efermi = np.atleast_1d(np.asarray(Efermi, dtype=float))
        self.kT = float(kT)
        self.charge = float(charge)
        self.cell_measure = cell_measure
        self._spin_key = hashlib.sha1(np.ascontiguousarray(self.spin).tobytes()).hexdigest()
        # calculators with equal (spin, mu, kT, threshold) evaluate their sums together
        key = (self._spin_key, self.Efermi.tobytes(), self.kT, float(self.degen_thresh))
        self._family = _FAMILIES.get(key)
        if self._family is None:
            self._family = _FAMILIES[key] = _Family()
        self._family.quantities.add(quantity)
        self._family_key = key

    def geometry(self, data_K):
        """Cached (E_group, Omega, m) flattened over (k, band) for this chunk."""
        c = _bands.cache(data_K)
        key = ("spin_mqm_geometry", float(self.degen_thresh), self._spin_key)
        if key not in c:
            E = data_K.E_K
            vl = geometry.band_derivatives(data_K, [(0,), (1,), (2,)], positions=True)
            Sb = onsite_band_matrices(data_K.UU_K, self.spin,
                                      geometry.eigenvectors_dagger(data_K))
            Om, mom = _band_geometry(vl, [Sb[:, a] for a in range(3)], E, self.degen_thresh)
            Eg = group_energies(E, DEGEN_THRESH)
            n = E.size
            c[key] = (Eg.reshape(n), Om.reshape(n, 3, 3), mom.reshape(n, 3, 3))
        return c[key]

    def sums(self, data_K):
        """Cached {quantity: (nmu, 3, 3)} (charge 1, summed over the chunk) of the family."""
        c = _bands.cache(data_K)
        key = ("spin_mqm_sums",) + self._family_key
        done = c.setdefault(key, {})
        if self.quantity not in done:
            E, Om, mom = self.geometry(data_K)
            todo = (self._family.quantities | {self.quantity}) - set(done)
            if self.kT <= 0:
                todo.discard("dalpha_dmu")
            done.update(family_sums(E, Om, mom, self.Efermi, self.kT, todo))
        return done

    def __call__(self, data_K):
        res = self.sums(data_K)[self.quantity]
        if self.quantity in ("alpha", "dalpha_dmu"):
            res = self.charge * res
        measure = self.cell_measure if self.cell_measure is not None else data_K.cell_volume
        res = res / (measure * data_K.nk)
        return EnergyResult(self.Efermi, res, transformTR=transform_odd,
                            transformInv=transform_odd, comment=self.comment,
                            save_mode=self.save_mode)


class _Family:
    """The set of quantities requested for one (spin, mu, kT, threshold)."""

    def __init__(self):
        self.quantities = set()


#: live families of calculators, by (spin digest, mu, kT, threshold)
_FAMILIES = weakref.WeakValueDictionary()


def onsite_band_matrices(U, op, Ud=None):
    """U^dagger O U of a k-independent operator (ncomp, nw, nw): (nk, ncomp, nb, nb).

    ``Ud`` may pass U^dagger (nk, nb, nw).
    """
    op = np.asarray(op)
    if Ud is None:
        Ud = U.conj().swapaxes(1, 2)
    return np.matmul(Ud[:, None], np.matmul(op[None], U[:, None]))


def _temperatures(T):
    T_arr = np.atleast_1d(np.asarray(T, dtype=float))
    if T_arr.ndim != 1 or np.any(T_arr < 0):
        raise ValueError("T must be a non-negative number or a 1D list of them")
    return T_arr, np.ndim(T) == 0


def spin_mqm_calculators(tb, mu, T, quantities=QUANTITIES, charge=1.0,
                         degen_thresh=PAIR_SCALE):
    """Calculators {name: SpinMQM} for ``quantities`` at chemical potentials ``mu`` and
    temperature(s) ``T`` (names ``quantity`` for scalar T, ``quantity@iT`` for a list)."""
    T_arr, scalar = _temperatures(T)
    S = spin_operator(tb)
    calcs = {}
    for iT, kT in enumerate(T_arr):
        for q in quantities:
            if q == "dalpha_dmu" and kT <= 0:
                continue
            name = q if scalar else f"{q}@{iT}"
            calcs[name] = SpinMQM(q, S, mu, kT, charge=charge, cell_measure=tb.cell_measure,
                                  degen_thresh=degen_thresh)
    return calcs


def spin_mqm_response(tb, mu, T, nk, quantities=QUANTITIES, symmetry=True, charge=1.0,
                      degen_thresh=PAIR_SCALE, progress=False, system=None, symprec=None,
                      max_memory=None):
    r"""Spin MQM (8a), spin ME (19a), gravito-ME (19b), (20) of ``tb`` on an nk grid.

    Parameters
    ----------
    tb : spinful :class:`~w90resp.tb.TightBinding` (set ``magnetic_moments`` if it breaks
        time reversal, otherwise the symmetrization sets every tensor to zero)
    mu : chemical potentials (1D); T : temperature (scalar) or temperatures (1D), >= 0
    nk : k points per periodic direction (WannierBerri grid via :func:`w90resp.runner.run`)
    quantities : subset of ``QUANTITIES``
    symmetry : symmetrize over the (magnetic) point group of the structure

    Returns
    -------
    dict with ``"mu"``, ``"T"`` and for each quantity an array [mu][a][i] (scalar T) or
    [T][mu][a][i] (list of T), natural units (q = g mu_B/hbar = hbar = k_B = 1, per unit
    area for 2D); ``dalpha_dmu`` is omitted at T = 0.
    """
    from ..runner import run
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    T_arr, scalar = _temperatures(T)
    if symmetry and system is None and tb.atoms and tb.magnetic_moments is None:
        warnings.warn(f"'{tb.name}' has no magnetic moments: the point group includes time "
                      "reversal and the symmetrized (time-reversal-odd) tensors vanish; set "
                      "tb.magnetic_moments or use symmetry=False", stacklevel=2)
    calcs = spin_mqm_calculators(tb, mu, T, quantities, charge, degen_thresh)
    res = run(tb, calcs, nk, symmetry=symmetry, progress=progress, system=system,
              symprec=symprec, max_memory=max_memory)
    out = {"mu": mu, "T": float(T_arr[0]) if scalar else T_arr}
    for q in quantities:
        if scalar:
            if q in res:
                out[q] = res[q]
        elif all(f"{q}@{i}" in res for i in range(len(T_arr))):
            out[q] = np.array([res[f"{q}@{i}"] for i in range(len(T_arr))])
    return out


def polar_response(tb, mu, T, kmax, nk_radial, n_phi=8, quantities=QUANTITIES, charge=1.0,
                   degen_thresh=PAIR_SCALE, tail_tol=1e-10):
    r"""The same responses for a 2D continuum-like model by quadrature in polar k.

    For models whose occupied states (at all ``mu`` and ``T``) lie in the disk
    |k| < ``kmax`` around Gamma -- the lattice approximants of k.p models such as
    :func:`w90resp.models.rashba.rashba_fm` -- the Brillouin-zone sum can be replaced by
    int d^2k/(2 pi)^2 over the disk: midpoint rule in |k| (``nk_radial`` points) times
    a uniform rule over ``n_phi`` angles.  A fine radial mesh resolves Fermi functions
    at T ~ 1e-3 that a 2D grid cannot; for an isotropic model n_phi = 1 is exact.
    Raises ValueError if states at |k| = kmax are occupied beyond ``tail_tol``.
    Returns the same dict as :func:`spin_mqm_response`.
    """
    if tb.dimension != 2:
        raise ValueError("polar_response is for 2D models")
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    T_arr, scalar = _temperatures(T)
    kzone = 0.5 * min(np.linalg.norm(tb.recip_lattice[0]), np.linalg.norm(tb.recip_lattice[1]))
    if kmax > kzone:
        raise ValueError(f"kmax = {kmax:.4g} leaves the Brillouin zone (|k| <= {kzone:.4g}); "
                         "lower mu or T, or use a finer lattice")
    dk = kmax / nk_radial
    kr = (np.arange(nk_radial) + 0.5) * dk
    phi = 2 * np.pi * np.arange(n_phi) / n_phi
    kc = np.zeros((nk_radial * n_phi, 3))
    kc[:, 0] = (kr[:, None] * np.cos(phi)[None, :]).reshape(-1)
    kc[:, 1] = (kr[:, None] * np.sin(phi)[None, :]).reshape(-1)
    w = np.repeat(kr * dk * (2 * np.pi / n_phi) / (2 * np.pi) ** 2, n_phi)
    br = band_resolved(tb, kc, cartesian=True, degen_thresh=degen_thresh)
    edge = band_resolved(tb, np.array([[kmax * np.cos(p), kmax * np.sin(p), 0] for p in phi]),
                         cartesian=True, degen_thresh=degen_thresh)["E"]
    for kT in T_arr:
        occ = thermal_weights(edge.reshape(-1), [mu.max()], kT, ("f",))["f"].max()
        if occ > tail_tol:
            raise ValueError(f"states at |k| = kmax are occupied ({occ:.2g}) at mu = "
                             f"{mu.max()}, T = {kT}; increase kmax")
    out = {"mu": mu, "T": float(T_arr[0]) if scalar else T_arr}
    per_T = []
    for kT in T_arr:
        qs = [q for q in quantities if not (q == "dalpha_dmu" and kT <= 0)]
        per_T.append(integrate(br["E"], br["Omega"], br["m"], mu, kT, qs, weights=w,
                               charge=charge))
    for q in quantities:
        if all(q in r for r in per_T):
            out[q] = per_T[0][q] if scalar else np.array([r[q] for r in per_T])
    return out


# ------------------------------------------------------------------------- units
def unit_factors(tb, units="natural", g=2.0):
    """Multiplicative factors and unit labels {quantity: (factor, label)}.

    * ``natural``: q = g mu_B/hbar = hbar = k_B = 1 in the energy (E) and length (L)
      units of the Hamiltonian; M, T beta: g mu_B L^{1-d}; alpha: q g mu_B L^{1-d}/E.
    * ``paper``: Fig. 1 of the spin-MQM paper for the Rashba model (parameters b, alpha,
      mass): alpha in (q/m alpha^2)(g mu_B/hbar)(b/8 pi alpha); M, T beta in
      (g mu_B/hbar)(b/8 pi alpha); d alpha/d mu in the alpha unit per m alpha^2.
    * ``si``: Wannier input in eV and Angstrom, electron charge q = -e, spin g factor
      ``g``: M, T beta in A (3D) or A m (2D); alpha in A/V (3D) or A m/V (2D);
      d alpha/d mu per eV.
    """
    d = tb.dimension
    if units == "natural":
        L, E = tb.length_unit, tb.energy_unit
        mq = f"g mu_B {L}^{1 - d}" if d != 1 else "g mu_B"
        aq = f"q g mu_B {L}^{1 - d}/{E}"
        return {"alpha": (1.0, aq), "M": (1.0, mq), "Tbeta_kubo": (1.0, mq),
                "Tbeta": (1.0, mq), "dalpha_dmu": (1.0, aq + f"/{E}")}
    if units == "paper":
        p = tb.parameters
        if not all(k in p for k in ("b", "alpha", "mass")):
            raise ValueError("paper units need a Rashba model (parameters b, alpha, mass)")
        b, al, m = float(p["b"]), float(p["alpha"]), float(p["mass"])
        if b == 0 or al == 0:
            raise ValueError("paper units (b / 8 pi alpha) need b != 0 and alpha != 0")
        uM = b / (8 * np.pi * al)
        e0 = m * al ** 2
        ua = uM / e0
        return {"alpha": (1 / ua, "(q/m alpha^2)(g mu_B/hbar)(b/8 pi alpha)"),
                "M": (1 / uM, "(g mu_B/hbar)(b/8 pi alpha)"),
                "Tbeta_kubo": (1 / uM, "(g mu_B/hbar)(b/8 pi alpha)"),
                "Tbeta": (1 / uM, "(g mu_B/hbar)(b/8 pi alpha)"),
                "dalpha_dmu": (e0 / ua, "(q/(m alpha^2)^2)(g mu_B/hbar)(b/8 pi alpha)")}
    if units == "si":
        if tb.energy_unit != "eV" or tb.length_unit != "Angstrom":
            raise ValueError("SI units need a Hamiltonian in eV and Angstrom")
        from ..units import MU_B as mu_B  # J/T = A m^2
        scale = g * mu_B * 1e10 ** (d - 1)
        mlab = {3: "A", 2: "A m", 1: "A m^2"}[d]
        alab = {3: "A/V", 2: "A m/V", 1: "A m^2/V"}[d]
        return {"alpha": (-scale, alab), "M": (scale, mlab), "Tbeta_kubo": (scale, mlab),
                "Tbeta": (scale, mlab), "dalpha_dmu": (-scale, alab + "/eV")}
    raise ValueError(f"units must be 'natural', 'paper' or 'si', got {units!r}")


def convert(result, tb, units="natural", g=2.0):
    """A copy of a response dict with every tensor multiplied by its unit factor."""
    f = unit_factors(tb, units, g)
    out = dict(result)
    for q, (fac, _) in f.items():
        if q in out:
            out[q] = np.asarray(out[q]) * fac
    return out
