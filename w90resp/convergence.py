"""Can a k grid resolve the energy scale of a response?  (A diagnostic, not a k-sum.)

A Fermi-surface response smeared over a width w is a smooth periodic integrand; the
equal-weight k sum of it converges exponentially, with an aliasing error set by the
Fourier transform of the smearing at the "time" 2 pi/(|v| dk), where |v| dk is the band
energy step between neighbouring k-points (dk = max_i |b_i|/nk):

* Fermi factor, -f'(e) at k_B T: transform (pi T t)/sinh(pi T t) ~ exp(-pi T t), so the
  error is ~ exp(-2 pi^2 k_B T/(|v| dk));
* Lorentzian of half width eta (the damping): exp(-eta t), error ~ exp(-2 pi eta/(|v| dk)).

A state counts as resolved when that error is below ``TOL`` (1 %): |v| dk < c w with
c = 2 pi^2/ln(1/TOL) (Fermi) or 2 pi/ln(1/TOL) (Lorentzian).  The estimate uses a coarse
sample of the zone (direct diagonalization) and the weight -f'(e_nk); it is a diagnostic,
not a k-sum.  (Orbital-ME alpha of the PT-AFM model at k_B T = 5 meV, whose metric term
is a Fermi-surface sum: with the width k_B T/2 that the orbital-me command uses, flagged
at nk = 192, where it is 8 % off, and not at 384, where it is off by 1e-4.)
"""
import numpy as np

#: share of the Fermi-surface weight above which a run is reported as under-resolved
UNRESOLVED_SHARE = 0.25
#: aliasing error accepted per state
TOL = 1e-2
FACTOR = {"fermi": 2 * np.pi ** 2 / np.log(1 / TOL), "lorentz": 2 * np.pi / np.log(1 / TOL)}


def _sample(tb, n):
    dims = [n if p else 1 for p in tb.periodic]
    grids = np.meshgrid(*[(np.arange(m) + 0.5) / m if m > 1 else np.zeros(1) for m in dims],
                        indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1)


def resolution(tb, mu, nk, width, kind="fermi", kT=None, sample=12, batch=None):
    """(share (nmu,), suggested nk): the share of the -f' weight (at ``kT``, default
    ``width``) on states whose energy step |v| dk exceeds FACTOR[kind] x ``width``, and
    the smallest nk (a multiple of 8, at least ``nk``) at which that share falls to
    UNRESOLVED_SHARE or below for every mu (the steps scale as 1/nk)."""
    from .responses._bands import minus_fermi_derivative
    k = _sample(tb, sample)
    nw = tb.num_wann
    if batch is None:                          # bound the (k, R, nw, nw) work array
        batch = int(max(1, 2e7 // max(1, len(tb.hoppings) * nw * nw)))
    E, V = [], []
    for i in range(0, len(k), batch):
        Hk, dH = tb.hamiltonian(k[i:i + batch], derivative=True)
        e, u = np.linalg.eigh(Hk)
        v = np.einsum("kin,kijc,kjn->knc", u.conj(), dH, u).real
        E.append(e)
        V.append(np.linalg.norm(v, axis=-1))
    E, V = np.concatenate(E), np.concatenate(V)
    rec = 2 * np.pi * np.linalg.inv(tb.real_lattice).T
    dk = max(np.linalg.norm(rec[i]) for i in range(3) if tb.periodic[i]) / nk
    allowed = FACTOR[kind] * width
    step = V * dk
    w = minus_fermi_derivative(E, np.atleast_1d(mu), width if kT is None else kT)
    tot = w.sum(axis=(1, 2))
    share = np.where(tot > 0, (w * (step > allowed)[None]).sum(axis=(1, 2)) / np.where(tot > 0, tot, 1), 0.0)
    # the nk at which, for every mu, at most UNRESOLVED_SHARE of the -f' weight stays
    # unresolved: per mu the weighted (1 - UNRESOLVED_SHARE) quantile of step / allowed
    # (steps scale as 1/nk), the largest over mu, never below nk
    if share.max() <= UNRESOLVED_SHARE:
        return share, nk
    ratio = (step / allowed).ravel()
    order = np.argsort(ratio)
    need = 1.0
    for wm in w.reshape(w.shape[0], -1):
        cum = np.cumsum(wm[order])
        if cum[-1] <= 0:
            continue
        q = ratio[order][min(len(order) - 1, np.searchsorted(cum, (1 - UNRESOLVED_SHARE) * cum[-1]))]
        need = max(need, q)
    suggest = int(8 * np.ceil(max(nk, nk * need * 1.01) / 8))
    return share, suggest


def report(tb, mu, nk, width, what, kind="fermi", kT=None, quiet=False):
    """Print a note when the grid is too coarse for ``width``; returns the JSON record."""
    share, suggest = resolution(tb, mu, nk, width, kind, kT)
    rec = {"energy_width": float(width), "share_unresolved": share,
           "suggested_nk": int(suggest),
           "criterion": f"|v| dk > {FACTOR[kind]:.2f} x {what} (1 % aliasing), weighted by -f'"}
    if share.max() > UNRESOLVED_SHARE and not quiet:
        i = int(np.argmax(share))
        print(f"note: nk = {nk} does not resolve {what} = {width:g} for {100 * share[i]:.0f} % of "
              f"the Fermi-surface weight at mu = {mu[i]:g} (band energy steps |v| dk too large); "
              f"try --nk {suggest} or more and compare")
    return rec


def close_pair_share(tb, mu, kT, lower, upper, nk=24):
    """Share of the Fermi-surface weight -f'(e_nk) (per mu) on bands whose nearest partner
    is split by more than ``lower`` and less than ``upper``: direct diagonalization on an
    nk grid of the periodic directions (a coarse sample, not a k-sum).  Used for the
    validity of Eq. (34) of FCIM (partners closer than eta) and for the crossover zone of
    the degeneracy regulator of the interband families.  Returns (nmu,) in [0, 1]."""
    from .responses._bands import minus_fermi_derivative
    dims = [nk if p else 1 for p in tb.periodic]
    grids = np.meshgrid(*[np.arange(n) / n for n in dims], indexing="ij")
    k = np.stack([g.ravel() for g in grids], axis=1)
    E = np.concatenate([np.linalg.eigvalsh(tb.hamiltonian(k[i:i + 256]))
                        for i in range(0, len(k), 256)])
    gap = np.full(E.shape, np.inf)
    d = np.diff(E, axis=1)
    d = np.where(d > lower, d, np.inf)                  # a degenerate group is not a pair
    gap[:, 1:] = np.minimum(gap[:, 1:], d)
    gap[:, :-1] = np.minimum(gap[:, :-1], d)
    close = gap < upper
    w = minus_fermi_derivative(E, np.atleast_1d(mu), kT)
    tot = w.sum(axis=(1, 2))
    part = (w * close[None]).sum(axis=(1, 2))
    return np.where(tot > 0, part / np.where(tot > 0, tot, 1.0), 0.0)
