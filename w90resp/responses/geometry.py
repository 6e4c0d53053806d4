r"""Band-geometric building blocks, gauge-covariant and analytic, vectorized over k.

Everything acts on band-basis arrays of one k chunk:

* ``E``  (nk, nb)            band energies, ascending,
* ``v``  (nk, nb, nb, 3)     velocity matrix  v^a_{mn} = <m|d_a H|n>   (hbar = 1,
  energy x length; WannierBerri's ``Xbar('Ham', 1)``),
* ``w``  (nk, nb, nb, 3, 3)  w^{ab}_{mn} = <m|d_a d_b H|n>  (``Xbar('Ham', 2)``),

with the orbital positions in the Bloch phase (Wannier90 "convention I", the physical
velocity).  No finite differences: k-derivatives come from sum-over-states formulas
(tests compare them with finite differences of :meth:`TightBinding.hamiltonian`).
On a WannierBerri chunk, :func:`band_derivatives` provides single components of v and w
(only those a formula needs); :func:`lambda_planar` evaluates Eq. (11) of a 2D system
from v^x, v^y, w^xx, w^xy, w^yy alone.

Definitions (Xiao et al., PRB 103, 045401 (2021), text below Eq. 11; units hbar = 1):

* interband Berry connection   A^a_{nm} = <u_n|i d_a u_m> = i v^a_{nm} / (e_m - e_n),
  also written A = i D with D^a_{nm} = v^a_{nm}/(e_m - e_n) (WannierBerri's ``D_H``);
* interband orbital moment (Eq. 11)
  M^{mn} = (e/2) sum_{m' != n} [(v^{mm'} + v^n delta_{mm'}) x A^{m'n}]_z ;
* band quantum metric  G^n_{il} = Re<d_i u_n|d_l u_n> - A^n_i A^n_l
  = Re sum_{m != n} A^i_{nm} A^l_{mn} = Re sum_{m != n} v^i_{nm} v^l_{mn}/(e_n - e_m)^2;
* its k-derivative (quantum-metric dipole) d_j G^n_{il}, from
  d_j v^i_{nm} = w^{ij}_{nm} + [v^i, D^j]_{nm} and d_j e_n = v^j_{nn};
* Lambda^n_i (Eq. 11) = 2 Re sum_{m != n} A^i_{nm} M^{mn}/(e_n - e_m)
  + (e/2) eps_{jl} d_j G^n_{il}.

Note on signs.  Eq. (11)'s M^{mn} is minus the interband moment m_{n1 n} of the
adiabatic paper (Xiao, Ren & Xiong, PRB 103, 115432, text below Eq. 14), whose diagonal
is the usual orbital moment m_n = (e/2) sum A_{nn1} x v_{n1 n}; the first term of Eq. (11)
carries the opposite sign to the first term of Eq. (14), so e Lambda^n_i equals the
per-state susceptibility alpha^o_{iz} of Eq. (14) (see ``tests/test_orbital_me_relations``).

Charges.  Quantities proportional to e are returned in units of |e| (times hbar^-1 and
the powers of energy and length stated per function); ``charge`` is the carrier charge in
units of |e| (default -1, electrons).

Degenerate bands.  Bands closer than ``degen_thresh`` (default
:data:`w90resp.responses._bands.DEGEN_THRESH`) form a group D, and every interband sum
runs over m outside the group of n ("out" pairs); inside D the connection is set to
zero, which is a legitimate gauge choice at each k.  The per-band values of a group are
then not gauge invariant, but their sum over D is (a trace), and every k-sum weights the
bands of a group equally.  For the dipole d_j G the group must stay degenerate along k
(symmetry-enforced, e.g. PT-doubled bands): the velocity block inside D then is
proportional to the identity and d_j e_n is well defined.  Near-degenerate bands that are
*not* grouped carry large but finite terms, as in the non-degenerate theory.
"""
import numpy as np

from . import _bands
from ._bands import DEGEN_THRESH, PAIR_SCALE

__all__ = [
    "DEGEN_THRESH", "PAIR_SCALE", "pair_weights", "inverse_gaps", "berry_connection", "covariant_derivative",
    "interband_orbital_moment", "quantum_metric", "quantum_metric_dipole",
    "lambda_interband", "lambda_metric_dipole", "lambda_vector", "lambda_planar",
    "BandGeometry", "band_derivatives", "tb_hamiltonian_derivatives", "bands_on_kpoints",
]


# --------------------------------------------------------------------- basics
def pair_weights(E, degen_thresh=PAIR_SCALE):
    """(g, c) of :func:`w90resp.responses._bands.pair_factors`: regularized inverse gaps
    g_nm ~ 1/(e_m - e_n) and in-group weights c_nm (1 inside degenerate groups)."""
    return _bands.pair_factors(np.asarray(E), degen_thresh)


def inverse_gaps(E, pairs):
    """g[k, n, m] ~ 1/(e_m - e_n) between groups, 0 inside (``pairs`` from
    :func:`pair_weights`)."""
    return pairs[0]


def _D(v, g):
    """D^a_{nm} = v^a_{nm}/(e_m - e_n) on out pairs: (nk, nb, nb, 3)."""
    return v * g[..., None]


def berry_connection(E, v, out=None, degen_thresh=PAIR_SCALE):
    """Interband Berry connection A^a_{nm} = i v^a_{nm}/(e_m - e_n), (nk, nb, nb, 3), length.

    Zero inside degenerate groups (see module docstring).
    """
    if out is None:
        out = pair_weights(E, degen_thresh)
    return 1j * _D(v, inverse_gaps(E, out))


def _block(v, pairs):
    """Part of a band matrix inside the degenerate groups, c_nm v_nm (the diagonal for
    well separated bands)."""
    c = pairs[1]
    return v * c[..., None] if v.ndim == 4 else v * c


def covariant_derivative(O, dO, v, E, out):
    """k-derivative of a band-basis matrix: d_j O_{nm} = (d_j O)_{nm} + [O, D^j]_{nm}.

    ``O`` (nk, nb, nb, ...) band matrix of an operator, ``dO`` (nk, nb, nb, ..., 3) the
    band matrix of its k-derivative operator (e.g. w for O = v).  The connection inside a
    degenerate group is set to zero.  Returns (nk, nb, nb, ..., 3).
    """
    D = _D(v, inverse_gaps(E, out))                       # (nk, n, m, j)
    OD = np.einsum("knl...,klmj->knm...j", O, D, optimize=True)
    DO = np.einsum("knlj,klm...->knm...j", D, O, optimize=True)
    return dO + OD - DO


# ------------------------------------------------------------ orbital moment
def interband_orbital_moment(E, v, out=None, charge=-1.0, degen_thresh=PAIR_SCALE):
    r"""Interband orbital moment of Eq. (11), M[k, m, n] = M^{mn} (z component, 2D).

    M^{mn} = (e/2) sum_{m' != n} [(v^{mm'} + v^n delta_{mm'}) x A^{m'n}]_z
    with the gauge-covariant reading for a degenerate group D of n: m' runs outside D
    and v^n delta_{mm'} x A^{m'n} becomes -sum_{n' in D} A^{mn'} x v^{n'n}.
    Units: |e| hbar^-1 x energy x length^2 (``charge`` in units of |e|).
    Only the in-plane components (x, y) of v enter.
    """
    if out is None:
        out = pair_weights(E, degen_thresh)
    A = berry_connection(E, v, out)
    vD = _block(v, out)
    vx, vy = v[..., 0], v[..., 1]
    Ax, Ay = A[..., 0], A[..., 1]
    cross_vA = vx @ Ay - vy @ Ax
    cross_Av = Ax @ vD[..., 1] - Ay @ vD[..., 0]
    return 0.5 * charge * (cross_vA - cross_Av)


# -------------------------------------------------------------- quantum metric
def quantum_metric(E, v, out=None, degen_thresh=PAIR_SCALE):
    """Band quantum metric G[k, n, i, l] = Re sum_{m out} v^i_{nm} v^l_{mn}/(e_n - e_m)^2.

    Units: length^2.  Sum over a degenerate group = metric of the group's projector.
    """
    if out is None:
        out = pair_weights(E, degen_thresh)
    g = inverse_gaps(E, out)
    vg = v * (g ** 2)[..., None]
    return np.einsum("knmi,kmnl->knil", vg, v, optimize=True).real


def quantum_metric_dipole(E, v, w, out=None, degen_thresh=PAIR_SCALE):
    r"""k-derivative of the band quantum metric, dG[k, n, i, l, j] = d_j G^n_{il}.

    Analytic sum over states (differentiating G = Re sum v^i_{nm} v^l_{mn} g_{nm}^2 with
    g_{nm} = 1/(e_m - e_n)):

    d_j G^n_{il} = Re sum_m [(d_j v^i)_{nm} v^l_{mn} + v^i_{nm} (d_j v^l)_{mn}] g_{nm}^2
                   - 2 Re sum_m v^i_{nm} v^l_{mn} (v^j_{nn} - v^j_{mm}) / (e_n - e_m)^3,

    d_j v^i = w^{ij} + [v^i, D^j]; the energy derivatives are written with the velocity
    blocks of the degenerate groups (covariant; plain v^j_nn for single bands).
    Units: length^3.
    """
    if out is None:
        out = pair_weights(E, degen_thresh)
    g = inverse_gaps(E, out)
    g2 = (g ** 2)[..., None]
    dv = covariant_derivative(v, w, v, E, out)          # (nk, n, m, i, j)
    t1 = np.einsum("knmij,kmnl->knilj", dv * g2[..., None], v, optimize=True)
    t2 = np.einsum("knmi,kmnlj->knilj", v * g2, dv, optimize=True)
    # 1/(e_n - e_m)^3 = -g_nm^3
    P = v * (-(g ** 3))[..., None]                      # (nk, n, m, i)
    vD = _block(v, out)
    # sum_n' vD^j_{n n'} P^i_{n' m} v^l_{m n}  -  sum_{m m'} P^i_{n m} vD^j_{m m'} v^l_{m' n}
    Pv = np.einsum("knmi,kmpl->knpil", P, v, optimize=True)          # (P^i v^l)_{n p}
    t3a = np.einsum("knqj,kqnil->knilj", vD, Pv, optimize=True)
    PvD = np.einsum("knmi,kmpj->knpij", P, vD, optimize=True)       # (P^i vD^j)_{n p}
    t3b = np.einsum("knpij,kpnl->knilj", PvD, v, optimize=True)
    return (t1 + t2).real - 2 * (t3a - t3b).real


# ---------------------------------------------------------------------- Lambda
def lambda_interband(E, v, out=None, charge=-1.0, degen_thresh=PAIR_SCALE):
    """First term of Eq. (11): 2 Re sum_{m out} A^i_{nm} M^{mn}/(e_n - e_m), (nk, nb, 3).

    Units |e| hbar^-1 length^3; the z entry is 0 (2D: i in the plane).
    """
    if out is None:
        out = pair_weights(E, degen_thresh)
    g = inverse_gaps(E, out)
    A = 1j * _D(v, g)
    M = interband_orbital_moment(E, v, out, charge=charge)
    # 1/(e_n - e_m) = -g_nm
    B = A * (-g)[..., None]
    lam = np.zeros(E.shape + (3,))
    lam[..., :2] = 2 * np.einsum("knmi,kmn->kni", B[..., :2], M, optimize=True).real
    return lam


def lambda_metric_dipole(dG, charge=-1.0):
    """Second term of Eq. (11): (e/2) eps_{jl} d_j G^n_{il} from dG[k, n, i, l, j].

    eps_{xy} = +1 (2D Levi-Civita): (e/2)(d_x G_{iy} - d_y G_{ix}).  (nk, nb, 3), z = 0.
    """
    lam = np.zeros(dG.shape[:2] + (3,))
    lam[..., :2] = 0.5 * charge * (dG[..., :2, 1, 0] - dG[..., :2, 0, 1])
    return lam


def _rdot(a, b):
    """Re(a conj(b)) elementwise, without complex temporaries."""
    return a.real * b.real + a.imag * b.imag


def _dagger(X):
    return X.conj().swapaxes(-1, -2)


def lambda_planar(E, vx, vy, wxx, wxy, wyy, charge=-1.0, degen_thresh=PAIR_SCALE,
                  kblock=64):
    r"""The two terms of Eq. (11) for i in the plane, from in-plane band matrices only.

    ``vx``, ``vy``, ``wxx``, ``wxy``, ``wyy`` (nk, nb, nb): v^x, v^y and the symmetric
    w^{ab} = <m|d_a d_b H|n>.  Returns (interband, metric), each (nk, nb, 2), equal to
    the in-plane entries of :func:`lambda_interband` and
    ``lambda_metric_dipole(quantum_metric_dipole(...))`` but evaluated without the full
    dipole tensor: only eps_{jl} d_j G_{il} is formed, and every interband product comes
    from the four matrices P_ij = v^i D^j (one batched matmul), since D is
    anti-Hermitian and so D^j v^i = -(P_ij)^dagger:

    * d_j v^i = w^{ij} + P_ij + P_ij^dagger,
    * sum_{m'} (v^{mm'} x A^{m'n})_z = i (P_xy - P_yx),
    * the energy-derivative terms use the velocity blocks of the degenerate groups;
      for single bands these are the diagonals and the sums are elementwise, k points
      with degenerate groups get the block (matrix) form.

    Sums of the form sum_m X_nm Y_mn use the Hermiticity of the band matrices
    (Y_mn = conj(Y_nm)), so that all products are elementwise on (n, m) (row or column
    sums, no transposed copies).  The k points are processed in blocks of ``kblock``.
    """
    E = np.asarray(E, dtype=float)
    nk, nb = E.shape
    inter = np.empty((nk, nb, 2))
    metric = None if wxx is None else np.empty((nk, nb, 2))
    for k0 in range(0, nk, kblock):
        ks = slice(k0, k0 + kblock)
        w = (None, None, None) if wxx is None else (wxx[ks], wxy[ks], wyy[ks])
        inter[ks], m = _lambda_planar_block(E[ks], vx[ks], vy[ks], *w, charge, degen_thresh)
        if m is not None:
            metric[ks] = m
    return inter, metric


def _lambda_planar_block(E, vx, vy, wxx, wxy, wyy, charge, degen_thresh):
    """:func:`lambda_planar` on one block of k points (``wxx`` None: interband term only)."""
    dipole = wxx is not None
    E = np.asarray(E, dtype=float)
    nk, nb = E.shape
    g, c = _bands.pair_factors(E, degen_thresh)             # ~1/(e_m - e_n); in-group weight
    g2 = g * g
    P = np.matmul(np.concatenate([vx, vy], axis=1),
                  np.concatenate([vx * g, vy * g], axis=2))
    Pxx, Pxy = P[:, :nb, :nb], P[:, :nb, nb:]
    Pyx, Pyy = P[:, nb:, :nb], P[:, nb:, nb:]
    Dl = Pyx - Pxy
    ex = np.einsum("knn->kn", vx).real
    ey = np.einsum("knn->kn", vy).real
    Rxx, Rxy, Ryy = _rdot(vx, vx), _rdot(vx, vy), _rdot(vy, vy)

    def rowsum(X):
        return np.einsum("knm,knm->kn", g2, X)

    def colsum(X):
        return np.einsum("kmn,kmn->kn", g2, X)

    # Sums of the form sum_m g^2_nm Re(X_nm Y_mn): with Y Hermitian this is the row sum
    # of g^2 Re(X conj(Y)); for X = Z^dagger it is the column sum of g^2 Re(Z conj(Y)).
    # Metric dipole eps_jl d_j G_il, d_j v^i = w^ij + P_ij + P_ij^dagger and
    # eps_jl d_j v^l = Dl + Dl^dagger (w^xy = w^yx):
    metric = np.empty((nk, nb, 2)) if dipole else None
    inter = np.empty((nk, nb, 2))
    for i, (vi, Pix, Piy, wix, wiy, Rxi, Ryi) in enumerate((
            (vx, Pxx, Pxy, wxx, wxy, Rxx, Rxy), (vy, Pyx, Pyy, wxy, wyy, Rxy, Ryy))):
        Dv = _rdot(Dl, vi)
        if dipole:
            T = _rdot(Pix, vy)
            T -= _rdot(Piy, vx)
            T += Dv
            Wt = _rdot(wix, vy)
            Wt -= _rdot(wiy, vx)
            Wt += T
            metric[..., i] = rowsum(Wt) + colsum(T)
        # interband term 2 Re sum_m A^i_nm M_mn/(e_n - e_m) = e sum_m g^2_nm Re(v^i_nm Mc_mn),
        # M = (e/2) i Mc, Mc = P_xy - P_yx - (D^x vD^y - D^y vD^x), vD = diag for single bands
        Wt = ex[:, None, :] * Ryi
        Wt -= ey[:, None, :] * Rxi
        Wt *= g
        Wt -= Dv
        inter[..., i] = charge * colsum(Wt)
    del Wt, Dv, P, Pxx, Pxy, Pyx, Pyy
    if not dipole:
        ks = np.nonzero(_bands.near_pairs(E, degen_thresh))[0]
        if ks.size:
            inter[ks] = _interband_blocks(vx[ks], vy[ks], g[ks], c[ks], charge)
        return inter, None
    # energy-derivative terms -2 Re sum_m v^i_nm v^l_mn eps_jl (d_j e_n - d_j e_m)/(e_n - e_m)^3
    # = 2 sum_m g^3 [(v^x_nn - v^x_mm) Re(v^i v^y*) - (v^y_nn - v^y_mm) Re(v^i v^x*)]_nm
    g3 = g2 * g
    dX = ex[:, :, None] - ex[:, None, :]
    dY = ey[:, :, None] - ey[:, None, :]
    e3 = np.empty((nk, nb, 2))
    e3[..., 0] = 2 * (g3 * (dX * Rxy - dY * Rxx)).sum(axis=2)
    e3[..., 1] = 2 * (g3 * (dX * Ryy - dY * Rxy)).sum(axis=2)
    del dX, dY, Rxx, Rxy, Ryy
    # k points with degenerate groups: block (matrix) form of the vD terms
    ks = np.nonzero(_bands.near_pairs(E, degen_thresh))[0]
    if ks.size:
        vxs, vys = vx[ks], vy[ks]
        vDx, vDy = vxs * c[ks], vys * c[ks]
        inter[ks] = _interband_blocks(vxs, vys, g[ks], c[ks], charge)
        m3 = -g3[ks]
        K = np.matmul(vDx, vys) - np.matmul(vDy, vxs)
        for i, vi in enumerate((vxs, vys)):
            # t3a = sum_m (vD^j P^i)_nm v^l_mn, t3b = sum_m P^i_nm (vD^j v^l)_mn,
            # P^i = v^i/(e_n - e_m)^3, contracted with eps_jl
            Pi = vi * m3
            t3 = (np.matmul(vDx, Pi) * vys.swapaxes(1, 2)
                  - np.matmul(vDy, Pi) * vxs.swapaxes(1, 2))
            t3 -= Pi * K.swapaxes(1, 2)
            e3[ks, :, i] = -2 * t3.real.sum(axis=2)
    metric += e3
    return inter, 0.5 * charge * metric


def _interband_blocks(vx, vy, g, c, charge):
    """Interband term of Eq. (11) in the block (matrix) form, k points with near pairs."""
    vDx, vDy = vx * c, vy * c
    Dx, Dy = vx * g, vy * g
    Mc = (np.matmul(vx, Dy) - np.matmul(vy, Dx) - np.matmul(Dx, vDy) + np.matmul(Dy, vDx))
    McT = Mc.swapaxes(1, 2)
    g2 = g * g
    out = np.empty(vx.shape[:2] + (2,))
    for i, vi in enumerate((vx, vy)):
        out[..., i] = charge * np.einsum("knm,knm->kn", g2, vi.real * McT.real - vi.imag * McT.imag)
    return out


def fermi_surface_metric(E, vx, vy, charge=-1.0, degen_thresh=PAIR_SCALE, kblock=64):
    r"""Fermi-surface form of the quantum-metric-dipole term of Eq. (11), (nk, nb, 2).

    Integrating the second term of Eq. (11) by parts over the Brillouin zone,

        sum_n int[dk] w(e_n) (e/2) eps_jl d_j G^n_il = sum_n int[dk] (-dw/de)(e_n) K^n_i,
        K^n_i = (e/2) eps_jl v^j_nn G^n_il = (e/2) (v^x_nn G^n_iy - v^y_nn G^n_ix),

    for any occupation weight w (f0 for chi, s0 for alpha), since sum_n w(e_n) G^n is
    periodic.  Exact in the continuum, this form is what the k-sums use: the Fermi-sea
    form sums a total derivative that vanishes analytically but, on a grid, leaves the
    1/Delta^3 terms of bands crossing *below* the Fermi level uncancelled (on bilayer CrI3
    a mu-independent constant, also in the gap, that jumps with nk).  Here only states
    within a few k_B T of mu enter, and an insulator at T -> 0 gets no metric term.

    Degenerate groups D: K is the covariant trace Re Tr_D[v^j G^{il}] with the group
    metric G^{il} = -(D^i D^l + D^l D^i)/2, D^a_nm = v^a_nm g_nm (g, c of
    :func:`w90resp.responses._bands.pair_factors`), written per band as the diagonal
    Re sum_n' c_nn' v^j_nn' G^{il}_n'n (only its sum over D is gauge invariant).
    Units |e| hbar^-1 x energy x length^3 (Lambda times energy).
    """
    E = np.asarray(E, dtype=float)
    nk, nb = E.shape
    out = np.empty((nk, nb, 2))
    for k0 in range(0, nk, kblock):
        ks = slice(k0, k0 + kblock)
        Eb, vxb, vyb = E[ks], vx[ks], vy[ks]
        g, c = _bands.pair_factors(Eb, degen_thresh)
        g2 = g * g
        ex = np.einsum("knn->kn", vxb).real
        ey = np.einsum("knn->kn", vyb).real
        Gxx = np.einsum("knm,knm->kn", g2, _rdot(vxb, vxb))
        Gxy = np.einsum("knm,knm->kn", g2, _rdot(vxb, vyb))
        Gyy = np.einsum("knm,knm->kn", g2, _rdot(vyb, vyb))
        blk = np.empty(Eb.shape + (2,))
        blk[..., 0] = ex * Gxy - ey * Gxx
        blk[..., 1] = ex * Gyy - ey * Gxy
        near = np.nonzero(_bands.near_pairs(Eb, degen_thresh))[0]
        if near.size:
            Dx, Dy = vxb[near] * g[near], vyb[near] * g[near]
            DxDx, DyDy = Dx @ Dx, Dy @ Dy
            DxDy, DyDx = Dx @ Dy, Dy @ Dx
            G = {"xx": -DxDx, "yy": -DyDy, "xy": -0.5 * (DxDy + DyDx)}
            cvx, cvy = vxb[near] * c[near], vyb[near] * c[near]

            def rdiag(A, B):                         # Re diag(A B)
                return np.einsum("knm,kmn->kn", A, B).real
            blk[near, :, 0] = rdiag(cvx, G["xy"]) - rdiag(cvy, G["xx"])
            blk[near, :, 1] = rdiag(cvx, G["yy"]) - rdiag(cvy, G["xy"])
        out[ks] = 0.5 * charge * blk
    return out


def lambda_vector(E, v, w, out=None, charge=-1.0, degen_thresh=PAIR_SCALE, parts=False):
    """Lambda^n_i of Eq. (11), (nk, nb, 3) in |e| hbar^-1 length^3 (z entry 0).

    With ``parts`` returns (total, interband term, quantum-metric-dipole term).
    Evaluated by :func:`lambda_planar` (in-plane band matrices only); ``out``, if given,
    must be the mask of ``degen_thresh``.
    """
    E = np.asarray(E, dtype=float)
    v, w = np.asarray(v), np.asarray(w)
    c = np.ascontiguousarray
    inter, metric = lambda_planar(E, c(v[..., 0]), c(v[..., 1]), c(w[..., 0, 0]),
                                  c(0.5 * (w[..., 0, 1] + w[..., 1, 0])), c(w[..., 1, 1]),
                                  charge=charge, degen_thresh=degen_thresh)
    l1 = np.zeros(E.shape + (3,))
    l2 = np.zeros(E.shape + (3,))
    l1[..., :2] = inter
    l2[..., :2] = metric
    return (l1 + l2, l1, l2) if parts else l1 + l2


class BandGeometry:
    """Lazy, cached band geometry of one k chunk (E, v, w as in the module docstring).

    Attributes computed on first use: ``out``, ``A``, ``M``, ``G``, ``dG``, ``Lambda``.
    """

    def __init__(self, E, v, w=None, degen_thresh=PAIR_SCALE, charge=-1.0):
        self.E = np.asarray(E)
        self.v = np.asarray(v)
        self.w = None if w is None else np.asarray(w)
        self.degen_thresh = degen_thresh
        self.charge = charge
        self._c = {}

    def _get(self, key, fn):
        if key not in self._c:
            self._c[key] = fn()
        return self._c[key]

    @property
    def out(self):
        return self._get("out", lambda: pair_weights(self.E, self.degen_thresh))

    @property
    def A(self):
        return self._get("A", lambda: berry_connection(self.E, self.v, self.out))

    @property
    def M(self):
        return self._get("M", lambda: interband_orbital_moment(self.E, self.v, self.out,
                                                               charge=self.charge))

    @property
    def G(self):
        return self._get("G", lambda: quantum_metric(self.E, self.v, self.out))

    @property
    def dG(self):
        if self.w is None:
            raise ValueError("the metric dipole needs the second derivatives w")
        return self._get("dG", lambda: quantum_metric_dipole(self.E, self.v, self.w, self.out))

    @property
    def Lambda_interband(self):
        return self._get("L1", lambda: lambda_interband(self.E, self.v, self.out,
                                                        charge=self.charge))

    @property
    def Lambda_metric(self):
        return self._get("L2", lambda: lambda_metric_dipole(self.dG, charge=self.charge))

    @property
    def Lambda(self):
        return self.Lambda_interband + self.Lambda_metric


# ------------------------------------------- band matrices of a WannierBerri chunk
def _wannier_derivative(data_K, ab):
    """Wannier-gauge d^n H/dk_a dk_b... (index tuple ``ab``) on the chunk: (nk, nw, nw).

    The R-space factors (i R_a)(i R_b)... and the FFT are WannierBerri's (``rvec``),
    applied to this component only.  Chunks without R-space matrices (no ``rvec``)
    raise AttributeError; :func:`band_derivatives` then uses ``Xbar``.
    """
    rvec = data_K.rvec
    cR = rvec.cRvec_shifted
    Y = data_K.get_R_mat("Ham")
    for a in ab:                                        # as rvec.derivative, in order
        Y = (1j * Y) * cR[..., a]
    Xk = rvec.fft_R_to_k(np.ascontiguousarray(Y), hermitian=False)
    if hasattr(data_K, "select_K"):
        Xk = Xk[data_K.select_K]
    return Xk


def band_derivatives(data_K, comps, positions=False):
    """Band-basis matrices of Hamiltonian k-derivatives on a WannierBerri chunk, cached.

    ``comps``: index tuples, (a,) for v^a = <m|d_a H|n> and (a, b) for
    w^{ab} = <m|d_a d_b H|n> (Cartesian a, b), e.g. ``[(0,), (1,), (0, 0), (0, 1)]``.
    Returns a list of (nk, nb, nb) complex arrays, the same matrices as the entries of
    ``data_K.Xbar('Ham', 1)`` and ``Xbar('Ham', 2)``, but only the requested components
    are Fourier transformed and rotated (U^dagger X U by batched matmul).  Cached on the
    chunk, so the calculators of one run share them.

    ``positions``: first derivatives become the velocity i[H, r] with the full position
    matrix when the system has one (:func:`w90resp.responses._bands.position_term`);
    second derivatives are always those of H alone.
    """
    comps = [tuple(sorted(ab)) for ab in comps]
    c = _bands.cache(data_K)
    extra = _bands.position_term(data_K) if positions else None
    if extra is not None:
        out = []
        for ab in comps:
            (X,) = band_derivatives(data_K, [ab])
            out.append(X + extra[..., ab[0]] if len(ab) == 1 else X)
        return out
    for ab in dict.fromkeys(comps):
        key = ("ham_der_band", ab)
        if key in c:
            continue
        try:
            X = _wannier_derivative(data_K, ab)
        except AttributeError:                          # no R-space data
            c[key] = np.ascontiguousarray(data_K.Xbar("Ham", len(ab))[(Ellipsis,) + ab])
            continue
        c[key] = np.matmul(eigenvectors_dagger(data_K), np.matmul(X, data_K.UU_K))
    return [c[("ham_der_band", ab)] for ab in comps]


def eigenvectors_dagger(data_K):
    """U^dagger (nk, nb, nw) of the chunk as a contiguous array, cached."""
    c = _bands.cache(data_K)
    if "U_dagger" not in c:
        c["U_dagger"] = np.ascontiguousarray(data_K.UU_K.conj().swapaxes(1, 2))
    return c["U_dagger"]


# ------------------------------------------------- direct (numpy) evaluation
def tb_hamiltonian_derivatives(tb, k_red):
    """H(k), dH/dk_a and d^2H/dk_a dk_b (Cartesian) of a TightBinding at reduced k.

    Same Bloch convention as :meth:`TightBinding.hamiltonian` (orbital positions in the
    phase): each term of H(R) with displacement d = R + tau_n - tau_m contributes
    i d_a and -d_a d_b times itself.  Returns (nk, nw, nw), (nk, nw, nw, 3),
    (nk, nw, nw, 3, 3).
    """
    k_red = np.atleast_2d(np.asarray(k_red, dtype=float))
    Rs = np.array(list(tb.hoppings.keys()), dtype=float)
    Hs = np.array(list(tb.hoppings.values()))
    lat = tb.real_lattice
    pos = tb.positions
    disp = (Rs @ lat)[:, None, None, :] + (pos[None, :, :] - pos[:, None, :])[None]  # r m n a
    kc = k_red @ tb.recip_lattice                                                  # Cartesian
    e = np.exp(1j * np.einsum("ka,rmna->krmn", kc, disp)) * Hs[None]
    H = e.sum(axis=1)
    dH = 1j * np.einsum("krmn,rmna->kmna", e, disp, optimize=True)
    d2H = -np.einsum("krmn,rmna,rmnb->kmnab", e, disp, disp, optimize=True)
    return H, dH, d2H


def bands_on_kpoints(tb, k_red, extra=None):
    """E (nk, nb), v (nk, nb, nb, 3), w (nk, nb, nb, 3, 3) at reduced k, by numpy.

    Band-basis version of :func:`tb_hamiltonian_derivatives` for tabulating band
    geometry on paths/maps (the k-sums go through WannierBerri).  ``extra``: optional
    (nk, nw, nw) Wannier-gauge matrix rotated with the same eigenvectors and returned
    fourth.
    """
    H, dH, d2H = tb_hamiltonian_derivatives(tb, k_red)
    E, U = np.linalg.eigh(H)
    Ud = U.conj().swapaxes(-1, -2)
    v = np.einsum("kmi,kija,kjn->kmna", Ud, dH, U, optimize=True)
    w = np.einsum("kmi,kijab,kjn->kmnab", Ud, d2H, U, optimize=True)
    if extra is not None:
        return E, v, w, Ud @ extra @ U
    return E, v, w


def connection_moment_term(E, O, v, out=None, charge=-1.0, degen_thresh=PAIR_SCALE):
    r"""2 Re sum_{m out} A^O_{nm} M^{mn} / (e_n - e_m) for a parameter derivative O = dH/dlambda.

    A^O_{nm} = <u_n|i d_lambda u_m> = i O_{nm}/(e_m - e_n) is the interband Berry
    connection in the parameter lambda, M^{mn} the interband orbital moment of Eq. (11).
    ``O`` (nk, nb, nb) or (nk, nb, nb, c); returns (nk, nb) or (nk, nb, c).
    With O = v^i this is the first term of Eq. (11); with O = dH/d(wt) it is, up to
    sign conventions, the first term of Eq. (8) of the adiabatic paper per unit hbar*omega
    (see :mod:`w90resp.responses.pumped`).
    Units: |e| hbar^-1 x length^2 x [O]/energy.
    """
    if out is None:
        out = pair_weights(E, degen_thresh)
    g = inverse_gaps(E, out)
    M = interband_orbital_moment(E, v, out, charge=charge)
    scalar = O.ndim == 3
    Oc = O[..., None] if scalar else O
    # A^O_{nm}/(e_n - e_m) = i O_{nm} g_nm * (-g_nm)
    B = -1j * Oc * (g ** 2)[..., None]
    res = 2 * np.einsum("knmc,kmn->knc", B, M, optimize=True).real
    return res[..., 0] if scalar else res
