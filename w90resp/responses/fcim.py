r"""Flexocurrent-induced magnetization (FCIM): WannierBerri calculators.

Koyama, Koretsune and Hattori, "flexocurrent-induced magnetization" (FCIM paper).
With the strain-quadrupole coupling V = sum_lambda g_lambda int eps_lambda Q_lambda
(Eq. 8), the dissipative response M_alpha = f^lambda_{alpha beta} nabla_beta eps_lambda is

* Eq. (34), total:
  f^{lambda:dis}_{ab}/g_lambda = (hbar/(V eta)) sum_{k n} (M_a)_n (v_b)_n (Q_lambda)_n df/de
* Eq. (32), quadrupole-current part: (M_a)_n (J^lambda_b)_n with J = (vQ + Qv)/2
* Eq. (33), torque part: -(M_a)_n sum_{m != n} Re[(v_b)_nm (Q_lambda)_mn]

with v = i[H, r]/hbar the physical velocity: r includes the orbital (Wannier-centre)
positions, which matters for the split (32)/(33) but not for the sum (34).

Degenerate bands (Kramers pairs at TRIM, degeneracy lines such as Gamma-M in MoS2).
Exactly degenerate groups D (``degen_thresh``) occupy a set of measure zero; we give
them the value the integrand takes in the limit from neighbouring k, i.e. the printed
formulas in the basis of D that diagonalizes v_D . e, averaged over a symmetric set of
directions e (first-order degenerate perturbation theory; ``_degenerate_weights``).
This is gauge invariant, respects the point group, and keeps symmetry-enforced zeros
exact (e.g. <S_x>_n = 0 in MoS2, Sec. III B).  Where
v_D . e is itself degenerate the limit is undetermined and we fall back to the
gauge-covariant traces that the derivation (App. B, Eq. B2) gives when all n, n' in D
are kept:

    (34):  Re Tr_D[M_D v_D Q_D] = Tr_D[M_D {v_D, Q_D}]/2,
    (32):  Tr_D[M_D J_D],   J = {v, Q}/2 with all intermediate states,
    (33):  -Tr_D[M_D J^out_D],   J^out = {v_o, Q_o}/2 with v_o, Q_o the elements
           between D and the bands outside it,

so that (32) + (33) = (34) identically and all three are invariant under unitary
rotations inside D.  For a non-degenerate band they reduce to the printed formulas.

Normalization.  V = N_k x (cell volume) in 3D; for a 2D sheet (periodic along a1, a2)
the response is per unit area: V = N_k x (cell area).  hbar = 1 internally: v = dH/dk
in energy x length, M = L or S in units of hbar, so f/g_lambda comes out in
hbar / (energy x length) per unit area (2D) or hbar/(energy x length^2) (3D).

The calculators return the lambda index as a Cartesian symmetric traceless pair
(Q_lambda transform like the polynomials of ``operators.QUADRUPOLE_POLYNOMIALS``), so
that WannierBerri's point-group symmetrization rotates every index correctly:
M axial (inversion-even), v polar, Q inversion-even -> total inversion parity odd;
two time-reversal-odd factors -> time-reversal even (Sec. II E of the paper).
"""
import numpy as np
from wannierberri.calculators.calculator import Calculator
from wannierberri.result import EnergyResult
from wannierberri.symmetry.point_symmetry import transform_ident, transform_odd

from ..operators import lambda_to_cartesian
from . import _bands
from ._bands import DEGEN_THRESH

PARTS = ("total", "current", "torque")


def limit_directions(periodic=(True, True, False)):
    """Directions e over which the degenerate-point limit is averaged.

    In-plane angles 7.5 deg + 15 deg x j (24 of them): the set is invariant under every
    rotation by a multiple of 15 deg and every mirror whose axis is at a multiple of
    7.5 deg, hence under all 2D crystallographic point groups in standard orientation,
    and no direction lies along a symmetry line (multiples of 15 deg).  For 3D systems
    the same set is used in the xy, yz and zx planes (exactly symmetric under the cubic
    and tetragonal groups).
    """
    th = np.deg2rad(7.5 + 15.0 * np.arange(24))
    c, s = np.cos(th), np.sin(th)
    z = np.zeros_like(th)
    dirs = [np.stack([c, s, z], axis=1)]
    if all(periodic):
        dirs += [np.stack([z, c, s], axis=1), np.stack([s, z, c], axis=1)]
    return np.concatenate(dirs)


def _eigh2(A):
    """Eigenvectors of Hermitian 2x2 matrices A (..., 2, 2), ascending like ``eigh``.

    With delta = (a - d)/2, c = |c| e^{i phi}: u_+ = (cos t, e^{-i phi} sin t),
    u_- = (-sin t, e^{-i phi} cos t), t = atan2(|c|, delta)/2.  Returns (W, splitting).
    """
    a, d, c = A[..., 0, 0].real, A[..., 1, 1].real, A[..., 0, 1]
    delta, absc = 0.5 * (a - d), np.abs(c)
    t = 0.5 * np.arctan2(absc, delta)
    ph = np.exp(-1j * np.angle(c))
    ct, st = np.cos(t), np.sin(t)
    W = np.empty(A.shape, dtype=complex)
    W[..., 0, 0], W[..., 1, 0] = -st, ph * ct
    W[..., 0, 1], W[..., 1, 1] = ct, ph * st
    return W, 2 * np.hypot(delta, absc)


def fcim_band_weights(M, v, Q, start, size, part="total", directions=None):
    """Per-band FCIM weights w[k, n, a, b, lambda]; Eqs. (32)-(34) of the FCIM paper.

    M (nk, nb, nb, 3), v (nk, nb, nb, 3), Q (nk, nb, nb, 5): band-basis matrices.
    ``start``, ``size``: exactly degenerate groups (``_bands.degenerate_groups``).
    ``part``: 'total' (Eq. 34), 'current' (Eq. 32) or 'torque' (Eq. 33).

    Non-degenerate bands use the printed formulas.  Bands of an exactly degenerate
    group D use them in the limit basis along each direction e of ``directions``
    (default :func:`limit_directions`), averaged over e (:func:`_degenerate_weights`).
    Current + torque = total band by band; group sums are invariant under unitary
    rotations inside D.
    """
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}")
    Md = np.einsum("knna->kna", M).real
    vd = np.einsum("knnb->knb", v).real
    Qd = np.einsum("knnc->knc", Q).real
    w = np.einsum("kna,knb,knc->knabc", Md, vd, Qd, optimize=True)
    if part != "total":
        Jd = np.einsum("knmb,kmnc->knbc", v, Q, optimize=True).real   # Re (vQ)_nn = J_nn
        current = np.einsum("kna,knbc->knabc", Md, Jd, optimize=True)
        w = current if part == "current" else w - current
    deg = size > 1
    if deg.any():
        if directions is None:
            directions = limit_directions()
        for g in np.unique(size[deg]):                      # groups of one size at a time
            kd, nd = np.nonzero(size == g)
            w[kd, nd] = _degenerate_weights(M, v, Q, start, size, kd, nd, part, directions)
    return w


def _degenerate_weights(M, v, Q, start, size, kd, nd, part, directions, rel_gap=1e-7,
                        limit_cache=None, blocks=None):
    """Weights of the bands (kd, nd) that belong to exactly degenerate groups D.

    For a direction e, the states that D splits into when k moves off along e
    diagonalize A = v_D . e (first-order degenerate perturbation theory); the printed
    formulas in that basis are the limit of the integrand from neighbouring k.  A
    degeneracy line gives the same limit from every direction not along it (so
    symmetry-enforced zeros such as <S_x>_n = 0 of MoS2 stay exact); an isolated
    degenerate point (a Kramers pair at a TRIM) is averaged over the symmetric set of
    directions.  If A is degenerate, the limit is undetermined and the gauge-covariant
    trace over D is used (module docstring).  For part 'total' only the blocks within D
    enter: ``blocks`` = (M_D, v_D, Q_D) per band (nsel, G, G, ncomp), zero-padded, may be
    passed instead of the full matrices M, v, Q.
    """
    G = int(size[kd, nd].max())
    st = start[kd, nd]
    members = st[:, None] + np.arange(G)[None, :]
    valid = np.arange(G)[None, :] < size[kd, nd][:, None]
    members = np.minimum(members, start.shape[1] - 1)
    pv = (valid[:, :, None] & valid[:, None, :])
    kk = kd[:, None, None]

    def block(X):
        out = X[kk, members[:, :, None], members[:, None, :]]
        return out * pv.reshape(pv.shape + (1,) * (out.ndim - 3))

    if blocks is None:
        Mb, vb, Qb = block(M), block(v), block(Q)
    else:
        if part != "total":
            raise ValueError("blocks alone only determine the total (Eq. 34)")
        Mb, vb, Qb = blocks
    j = nd - st                                             # position of n in its group

    def traces(idx, X_D):
        """[M_D X_D]_nn for the bands ``idx``, X_D (nsel, G, G, 3, 5) Hermitian blocks."""
        return np.einsum("sma,smbc->sabc", Mb[idx, j[idx]], X_D[np.arange(len(idx)), :, j[idx]],
                         optimize=True).real

    if part != "total":
        # (vQ) blocks with all intermediate states: J_D = {v, Q}/2 restricted to D
        vrows = v[kk[:, :, 0], members]                     # (nsel, G, nb, 3)
        Qcols = np.swapaxes(Q[kk[:, :, 0], :, members], 1, 2)   # (nsel, nb, G, 5)
        vQ_all = np.einsum("sjlb,slmc->sjmbc", vrows, Qcols, optimize=True)
        vQ_all = vQ_all * pv[..., None, None]
        J_D = 0.5 * (vQ_all + np.conj(np.swapaxes(vQ_all, 1, 2)))
    scale = 1.0 + np.abs(vb).max()
    pad = np.where(valid, 0.0, 1e6 * scale * (1 + np.arange(G)))
    # one eigen-decomposition per group (its first band), shared by all its bands and by
    # the calculators of one chunk (``limit_cache``: the same v and Q for all of them)
    if limit_cache is None:
        limit_cache = {}
    if "states" not in limit_cache:
        first = np.nonzero(j == 0)[0]
        group_of = np.cumsum(j == 0) - 1
        vg = vb[first]
        pad_g = pad[first][:, :, None] * np.eye(G)
        valid_g = valid[first]
        A = np.einsum("sjlc,dc->dsjl", vg, directions.astype(complex)) + pad_g[None]
        if G == 2 and valid_g.all():
            W, split = _eigh2(A)                            # closed form for pairs
            ok = split > rel_gap * scale
        else:
            evals, W = np.linalg.eigh(A)                    # all directions at once
            gaps = np.where(valid_g[None, :, 1:], np.diff(evals, axis=-1), np.inf)
            ok = gaps.min(axis=-1, initial=np.inf) > rel_gap * scale
        # c[d, s, :]: the limit state of band s along direction d
        c = np.take_along_axis(W[:, group_of], j[None, :, None, None], axis=3)[..., 0]
        limit_cache["states"] = (c, ok[:, group_of].astype(float))
    c, okf = limit_cache["states"]                          # (ndir, nsel, G), (ndir, nsel)
    ndir = okf.shape[0]
    # where the limit is undetermined (v_D . e degenerate) the trace over D replaces the
    # printed formula for that direction: weight frac of band s
    frac = 1.0 - okf.mean(axis=0)
    need = np.nonzero(frac > 0)[0]

    # pair products P[s, d, (j, l)] = conj(c_dsj) c_dsl: diagonals in the limit basis are
    # one batched product over s, Re sum_jl P_sd(jl) X_s(jl)x
    P = np.einsum("dsj,dsl->sdjl", c.conj(), c).reshape(c.shape[1], c.shape[0], G * G)

    def diag(X):
        out = np.matmul(P, X.reshape(X.shape[0], G * G, -1)).real     # (nsel, ndir, ncomp)
        return np.ascontiguousarray(np.swapaxes(out, 0, 1))

    if "vQ" not in limit_cache:
        limit_cache["vQ"] = (diag(vb), diag(Qb))
    vl, Ql = limit_cache["vQ"]
    Ml = diag(Mb)
    total = np.einsum("ds,dsa,dsb,dsc->sabc", okf, Ml, vl, Ql, optimize=True) / ndir
    if len(need):
        vQ_D = np.einsum("sjlb,slmc->sjmbc", vb[need], Qb[need], optimize=True)
        sym_D = 0.5 * (vQ_D + np.conj(np.swapaxes(vQ_D, 1, 2)))   # {v_D, Q_D}/2
        total[need] += frac[need, None, None, None] * traces(need, sym_D)
    if part == "total":
        return total
    Jl = np.einsum("dsj,sjlbc,dsl->dsbc", c.conj(), J_D, c, optimize=True).real
    current = np.einsum("ds,dsa,dsbc->sabc", okf, Ml, Jl, optimize=True) / ndir
    if len(need):
        current[need] += frac[need, None, None, None] * traces(need, J_D[need])
    return current if part == "current" else total - current


class FCIM(Calculator):
    """FCIM f^{lambda:dis}_{alpha beta}/g_lambda, FCIM paper Eqs. (32)-(34).

    Parameters
    ----------
    operators : dict with Wannier-basis on-site matrices ``'M'`` (3, nw, nw) -- the
        magnetic moment (L or S, hbar = 1) -- and ``'Q'`` (5, nw, nw).
    moment_name : str, a label for caching the band-basis M ('L', 'S', ...)
    Efermi : chemical potentials (energy unit of the Hamiltonian); need not be uniform
    kT, eta : temperature and damping (same energy unit); kT > 0
    part : 'total' (Eq. 34), 'current' (Eq. 32), 'torque' (Eq. 33)
    cell_measure : cell volume, or cell area for 2D (per-area output); default: the
        3D cell volume of the system
    degen_thresh : bands closer than this form one degenerate group (see DEGEN_THRESH)
    periodic : periodic directions of the system (sets the directions along which
        degenerate points are approached, :func:`limit_directions`)
    onsite : optional dict name -> on-site operator of all moments used in the run;
        their band diagonals are computed in one pass per chunk and shared
    """

    def __init__(self, operators, moment_name, Efermi, kT, eta, part="total",
                 cell_measure=None, degen_thresh=DEGEN_THRESH, periodic=(True, True, False),
                 onsite=None, **kwargs):
        kwargs.setdefault("save_mode", "bin")   # the runner keeps no WannierBerri text files
        super().__init__(degen_thresh=degen_thresh, **kwargs)
        if part not in PARTS:
            raise ValueError(f"part must be one of {PARTS}")
        if eta <= 0:
            raise ValueError("eta must be positive")
        self.M = None if operators.get("M") is None else np.asarray(operators["M"])
        self.Q = np.asarray(operators["Q"])
        self.moment_name = moment_name
        self.Efermi = np.asarray(Efermi, dtype=float)
        self.kT = float(kT)
        self.eta = float(eta)
        self.part = part
        self.cell_measure = cell_measure
        self.directions = limit_directions(tuple(periodic))
        # on-site operators whose band diagonals are computed together in one pass per
        # chunk (e.g. L, S and Q for the L and S calculators of one run)
        self.onsite = dict(onsite) if onsite is not None else {}
        if self.M is not None:
            self.onsite.setdefault(moment_name, self.M)
        self.onsite.setdefault("Q", self.Q)
        self._onsite_kernel = None        # OnsiteDiagonals of self.onsite, built on first use
        self.comment = f"FCIM f/g_lambda, M={moment_name}, part={part} (Koyama et al. Eqs. 32-34)"

    def result_array(self, res):
        """The k-sum (nmu, 3, 3, ncomp) as the array WannierBerri symmetrizes: the lambda
        index as a Cartesian symmetric traceless pair, (nmu, 3, 3, 3, 3)."""
        return lambda_to_cartesian(res)

    def moment_matrix(self, data_K):
        """Band-basis magnetic-moment matrix (nk, nb, nb, 3); on-site M rotated by U.

        Subclasses with a k-dependent moment (e.g. the Bloch orbital moment) override it.
        """
        return _bands.band_operator(data_K, self.moment_name, self.M)

    def _onsite_moment(self):
        return type(self).moment_matrix is FCIM.moment_matrix and self.M is not None

    def band_weights(self, data_K):
        """(E, w): energies (nk, nb) and per-band weights (nk, nb, 3, 3, 5), Eqs. (32)-(34)."""
        E = data_K.E_K
        start, size = _bands.groups(data_K, self.degen_thresh)
        M = self.moment_matrix(data_K)
        Q = _bands.band_operator(data_K, "Q", self.Q)
        v = _bands.velocity(data_K)
        return E, fcim_band_weights(M, v, Q, start, size, self.part, self.directions)

    def _family_total(self, data_K):
        """Eq. (34) summed over the chunk for every on-site moment of ``self.onsite``.

        Computed once per chunk and shared by the calculators of the run: band-diagonal
        elements only (one pass for all on-site operators, in-plane velocities for 2D),
        arranged directly in the energy order of ``_bands.FermiSurface`` so that all
        moments go through one banded -f' product; full matrices only at the few k with
        exactly degenerate bands (:func:`_degenerate_weights`).  Same result as
        :func:`fcim_band_weights`.  Returns (dict name -> (nmu, 3, nbc, 5), bcomps).
        """
        c = _bands.cache(data_K)
        names = tuple(n for n in self.onsite if n != "Q")
        key = ("fcim_total", self.Efermi.tobytes(), self.kT, self.degen_thresh,
               tuple(_bands.operator_key(n, o) for n, o in self.onsite.items()))
        if key in c:
            return c[key]
        fs = _bands.fermi_surface(data_K, self.Efermi, self.kT)
        d = _bands.onsite_diagonals(data_K, self.onsite)
        vd = _bands.velocity_diagonal(data_K)
        bcomps = _bands.velocity_wannier(data_K)[1]
        nk, nb = data_K.E_K.shape
        st = fs.states                                       # flat (k, n) in energy order
        vs = vd.reshape(-1, 3)[st][:, list(bcomps)]
        nc = self.Q.shape[0]
        Qs = d["Q"].reshape(-1, nc)[st]
        W = np.empty((len(st), len(names), 3, len(bcomps), nc))
        for i, n in enumerate(names):
            Mv = d[n].reshape(-1, 3)[st][:, :, None] * vs[:, None, :]
            np.multiply(Mv[:, :, :, None], Qs[:, None, None, :], out=W[:, i])
        start, size = _bands.groups(data_K, self.degen_thresh)
        kdeg = np.nonzero((size > 1).any(axis=1))[0]
        if len(kdeg):
            pos = np.full(nk * nb, -1)
            pos[st] = np.arange(len(st))
            sd, zd = start[kdeg], size[kdeg]
            for G in np.unique(zd[zd > 1]):                 # groups of one size at a time
                kd, nd = np.nonzero(zd == G)
                p = pos[kdeg[kd] * nb + nd]
                inside = p >= 0
                # blocks within each group, computed once per group (its first band)
                is_first = nd == sd[kd, nd]
                first = np.nonzero(is_first)[0]
                group_of = np.cumsum(is_first) - 1
                members = nd[first, None] + np.arange(G)
                if self._onsite_kernel is None:
                    self._onsite_kernel = _bands.OnsiteDiagonals(self.onsite)
                onsite, vg = _bands.degenerate_blocks(data_K, kdeg[kd[first]], members,
                                                      np.ones(members.shape, bool),
                                                      self._onsite_kernel)
                vb, Qb = vg[group_of], onsite["Q"][group_of]
                limit = {}
                for i, n in enumerate(names):
                    wd = _degenerate_weights(None, None, None, sd, zd, kd, nd, "total",
                                             self.directions, limit_cache=limit,
                                             blocks=(onsite[n][group_of], vb, Qb))
                    W[p[inside], i] = wd[inside][:, :, list(bcomps)]
        res = fs.sum_sorted(W.reshape(len(st), -1)).reshape((len(self.Efermi), len(names), 3,
                                                            len(bcomps), nc))
        c[key] = ({n: res[:, i] for i, n in enumerate(names)}, bcomps)
        return c[key]

    def __call__(self, data_K):
        nmu = len(self.Efermi)
        res = np.zeros((nmu, 3, 3, self.Q.shape[0]))
        if self.part == "total" and self._onsite_moment():
            fam, bcomps = self._family_total(data_K)
            res[:, :, list(bcomps)] = fam[self.moment_name]
        else:
            _, w = self.band_weights(data_K)
            res[:] = _bands.fermi_surface(data_K, self.Efermi, self.kT).sum(w).reshape(res.shape)
        # f/g = (1/eta) (1/(N V)) sum w df/de,  df/de = -(-df/de); -f' is negligible
        # (< e^-40) beyond 40 kT (``_bands.FermiSurface``)
        res *= -1.0 / self.eta
        measure = self.cell_measure if self.cell_measure is not None else data_K.cell_volume
        res /= measure * data_K.nk
        return EnergyResult(self.Efermi, self.result_array(res), transformTR=transform_ident,
                            transformInv=transform_odd, comment=self.comment,
                            save_mode=self.save_mode)


def fcim_calculators(tb, mu, kT, eta, moments=("L", "S"), parts=("total",),
                     degen_thresh=DEGEN_THRESH, operators=None):
    """Calculators for every requested (moment, part), keyed 'L', 'L_current', ...

    The results are per unit area for 2D systems (``tb.cell_measure``).
    """
    ops = tb.operators() if operators is None else operators
    for M in moments:
        if M not in ops:
            raise ValueError(f"unknown moment '{M}' (known: {sorted(k for k in ops if k != 'Q')})")
    onsite = {n: ops[n] for n in tuple(moments) + ("Q",)}
    calcs = {}
    for M in moments:
        for part in parts:
            key = M if part == "total" else f"{M}_{part}"
            calcs[key] = FCIM({"M": ops[M], "Q": ops["Q"]}, M, mu, kT, eta, part=part,
                              cell_measure=tb.cell_measure, degen_thresh=degen_thresh,
                              periodic=tb.periodic, onsite=onsite)
    return calcs


def fcim_response(tb, mu, kT, eta, nk, moments=("L", "S"), parts=("total",),
                  symmetry=True, progress=False, degen_thresh=DEGEN_THRESH, max_fft=None,
                  parallel=False):
    """FCIM f^{lambda:dis}_{alpha beta}/g_lambda of ``tb`` on an nk grid (Eqs. 32-34).

    Returns a dict moment[_part] -> array (nmu, 3, 3, 5) indexed [mu][alpha][beta][lambda]
    with lambda in ``operators.LAMBDAS`` order, in hbar/(energy x length) per unit
    area for 2D (hbar/(energy x length^2) in 3D), energy and length in the units of
    ``tb``.  ``symmetry`` reduces K-points and symmetrizes with the point group that
    spglib finds for ``tb.atoms``.
    """
    from .. import runner
    from ..operators import cartesian_to_lambda
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    calcs = fcim_calculators(tb, mu, kT, eta, moments, parts, degen_thresh)
    raw = runner.run(tb, calcs, nk, symmetry=symmetry, progress=progress, max_fft=max_fft,
                     parallel=parallel)
    return {k: cartesian_to_lambda(v) for k, v in raw.items()}


def eq34_validity(tb, mu, kT, eta, degen_thresh=DEGEN_THRESH, nk=24):
    """Fraction of the Fermi-surface weight, per chemical potential, carried by bands that
    have a partner closer than ``eta`` (but farther than ``degen_thresh``).

    Eq. (34) treats every non-degenerate band alone, which assumes splittings >> eta
    (App. B): where partners are split by less than eta the interband pairs of the full
    Kubo form carry weight ~ f'/eta and the two differ by up to a factor 2.  See
    :func:`w90resp.convergence.close_pair_share` (a diagnostic).  Returns (nmu,) in [0, 1].
    """
    from ..convergence import close_pair_share
    return close_pair_share(tb, mu, kT, degen_thresh, eta, nk)
