r"""FCIM with a general (non-local, k-dependent) electron-strain vertex D_lambda.

Koyama, Koretsune & Hattori (FCIM paper) couple strain to the on-site quadrupole,
V = sum_lambda g_lambda int eps_lambda Q_lambda (Eq. 8), and give
f^{lambda:dis}_{ab}/g_lambda (Eqs. 32-34).  In a real crystal strain also modulates the
hoppings (Sec. V B and note [52]); the vertex is then the whole derivative of the Wannier
Hamiltonian, D_lambda(R) = dH(R)/d eps_lambda (:mod:`w90resp.strain_vertex`), and the
response comes out in absolute units.

How Eqs. (32)-(34) and App. B read for a non-local vertex.  Write the strained
Hamiltonian in the Lagrangian frame of the reference lattice (integer R labels kept, the
frame in which D is measured): H = H_0 + sum_{R R'} eps_lambda(x_RR') |R><R'| D_lambda(R'-R)
with the strain field evaluated at the bond midpoint x_RR' = (R + tau + R' + tau')/2
(on-site terms: at the orbital, x = R + tau, as in Eq. 8).  For a modulation
eps_lambda(x) = eps_q e^{iq.x}, the matrix element between Bloch states (phases with the
orbital positions, convention I) is <k + q/2|V|k - q/2> = eps_q D_lambda(k) with
D_lambda(k) = sum_R e^{ik.(R + tau_n - tau_m)} D_lambda,mn(R): the midpoint phase cancels
the q-dependence exactly, so the vertex carries no term linear in q.  App. B expands the
bubble <M; V_q> to first order in q; with a q-independent vertex the only q-dependence
is that of the Green's functions (the velocity v = dH_0/dk), exactly as for the on-site
Q_lambda.  Hence Eqs. (32)-(34) hold with g_lambda Q_lambda -> D_lambda(k):

    f^{lambda:dis}_{ab} = (hbar/(V eta)) sum_{kn} (M_a)_n (v_b)_n (D_lambda(k))_nn df/de,

and the degenerate-band treatment of :mod:`w90resp.responses.fcim` applies unchanged
(the limit basis of v_D . e; traces over D when it is undetermined).  The strain-induced
change of orbital positions (the rigid displacement of the clamped ions) does not enter
at this order in the Lagrangian frame.

The energy reference of D: a part of D proportional to the identity (a uniform level
shift per unit strain) acts on the electrons like a potential gradient, c grad eps_lambda,
and gives an Edelstein-like response sum M_n v_n f'.  Its size depends on the reference of
the DFT eigenvalues (the cell-averaged potential in a periodic code, not the vacuum
level), so the commands report results for the vertex as measured and with its uniform
part removed (:meth:`w90resp.strain_vertex.StrainVertex.without_uniform_shift`), and say
which is which.

Component bases (the last index of the result, and how it is symmetrized):
* 'strain': in-plane strain components ('xx', 'yy', 'xy' with eps_xy = eps_yx = amplitude)
  mapped to the Cartesian symmetric pair F_{ab ij}: F_xx = f^xx, F_yy = f^yy,
  F_xy = F_yx = f^xy / 2 (M_a = sum_ij F_{ab ij} d_b eps_ij);
* 'quadrupole': the five Q_lambda of the FCIM paper (as :class:`fcim.FCIM`), for the
  check D_lambda = g_lambda Q_lambda.
Point-group symmetrization of the result needs every component of the basis (all three
in-plane strains); with fewer the k-sum must run without symmetry.
"""
import numpy as np

from ..operators import cartesian_to_lambda, lambda_to_cartesian
from . import _bands
from ._bands import DEGEN_THRESH
from .fcim import FCIM, fcim_band_weights

VERTEX_KEY = "StrainVertex"
STRAIN_COMPONENTS = ("xx", "yy", "xy")


def strain_to_cartesian(res, components=STRAIN_COMPONENTS):
    """(..., ncomp) in strain components -> (..., 3, 3) Cartesian symmetric pair."""
    out = np.zeros(res.shape[:-1] + (3, 3), dtype=res.dtype)
    for i, c in enumerate(components):
        if c == "xx":
            out[..., 0, 0] = res[..., i]
        elif c == "yy":
            out[..., 1, 1] = res[..., i]
        elif c == "xy":
            out[..., 0, 1] = out[..., 1, 0] = 0.5 * res[..., i]
        else:
            raise ValueError(f"unknown strain component {c!r}")
    return out


def cartesian_to_strain(T, components=STRAIN_COMPONENTS):
    """Inverse of :func:`strain_to_cartesian`: (..., 3, 3) -> (..., ncomp)."""
    cols = []
    for c in components:
        if c == "xx":
            cols.append(T[..., 0, 0])
        elif c == "yy":
            cols.append(T[..., 1, 1])
        elif c == "xy":
            cols.append(T[..., 0, 1] + T[..., 1, 0])
    return np.stack(cols, axis=-1)


def vertex_array(system, vertices):
    """(nR, nw, nw, ncomp) in the R order of the WannierBerri ``system`` from a list of
    {R: (nw, nw)} dicts (R vectors absent from the system must have zero matrices)."""
    nR, nw = system.rvec.nRvec, system.num_wann
    out = np.zeros((nR, nw, nw, len(vertices)), dtype=complex)
    known = {tuple(int(x) for x in R): i for i, R in enumerate(system.rvec.iRvec)}
    for c, DR in enumerate(vertices):
        for R, h in DR.items():
            i = known.get(tuple(int(x) for x in R))
            if i is None:
                if np.abs(h).max() > 0:
                    raise ValueError(f"vertex has R = {R}, absent from the Hamiltonian's R set")
                continue
            out[i, :, :, c] += h
    return out


def attach_vertex(system, vertices, key=VERTEX_KEY):
    """Store the vertex on the system (after any WannierBerri symmetrization of it)."""
    system.set_R_mat(key, vertex_array(system, vertices), reset=True)
    return system


class FCIMVertex(FCIM):
    """FCIM with the band-basis vertex D_lambda(k) of a system R-matrix (module docstring).

    Parameters: ``M`` (3, nw, nw) on-site moment (L or S, hbar = 1), ``moment_name``,
    ``ncomp`` and ``basis`` ('strain' with ``components``, or 'quadrupole'), then as
    :class:`w90resp.responses.fcim.FCIM` (Efermi, kT, eta, part, cell_measure,
    degen_thresh, periodic).  Result: f (nmu, 3, 3, ncomp) per unit vertex unit — with D
    in energy per unit strain, M per strain gradient (hbar / length per area in 2D).
    """

    def __init__(self, M, moment_name, Efermi, kT, eta, ncomp, basis="strain",
                 components=STRAIN_COMPONENTS, key=VERTEX_KEY, **kwargs):
        nw = np.asarray(M).shape[-1]
        super().__init__({"M": M, "Q": np.zeros((ncomp, nw, nw))}, moment_name, Efermi, kT,
                         eta, **kwargs)
        if basis not in ("strain", "quadrupole"):
            raise ValueError("basis must be 'strain' or 'quadrupole'")
        if basis == "quadrupole" and ncomp != 5:
            raise ValueError("the quadrupole basis has 5 components")
        self.basis = basis
        self.components = tuple(components)[:ncomp] if basis == "strain" else None
        self.key = key
        self.comment = (f"FCIM with the strain vertex {key}, M={moment_name}, part={self.part} "
                        "(Koyama et al. Eqs. 32-34 with g Q -> D(k))")

    def _onsite_moment(self):
        return False                                  # the vertex is k-dependent

    def vertex_matrix(self, data_K):
        c = _bands.cache(data_K)
        k = ("vertex", self.key)
        if k not in c:
            c[k] = data_K.Xbar(self.key)
        return c[k]

    def band_weights(self, data_K):
        E = data_K.E_K
        start, size = _bands.groups(data_K, self.degen_thresh)
        M = self.moment_matrix(data_K)
        D = self.vertex_matrix(data_K)
        v = _bands.velocity(data_K)
        return E, fcim_band_weights(M, v, D, start, size, self.part, self.directions)

    def result_array(self, res):
        if self.basis == "quadrupole":
            return lambda_to_cartesian(res)
        return strain_to_cartesian(res, self.components)

    def from_result(self, arr):
        """The runner's Cartesian result back to the component index."""
        if self.basis == "quadrupole":
            return cartesian_to_lambda(arr)
        return cartesian_to_strain(arr, self.components)


def fcim_vertex_response(tb, vertices, mu, kT, eta, nk, moments=("L", "S"), basis="strain",
                         components=STRAIN_COMPONENTS, parts=("total",), symmetry=None,
                         degen_thresh=DEGEN_THRESH, max_fft=None, progress=False):
    """f^lambda_{ab} of ``tb`` with the vertices (list of {R: matrix}, one per component).

    ``vertices`` may also be a dict {tag: list}: several vertex sets (e.g. a vertex, its
    traceless part and its on-site fit) evaluated in one k sum, sharing the
    diagonalization and the band-basis velocity and moments; the results are then keyed
    '<moment>[_<part>]__<tag>'.
    Returns {moment[_part]: (nmu, 3, 3, ncomp)} [mu][alpha][beta][component].
    ``symmetry`` (default: only if the basis is complete) reduces K-points with the point
    group and symmetrizes; it needs every component of the basis.
    """
    from .. import runner
    sets = vertices if isinstance(vertices, dict) else {None: vertices}
    ncomps = {len(v) for v in sets.values()}
    if len(ncomps) != 1:
        raise ValueError("every vertex set needs the same components")
    ncomp = ncomps.pop()
    complete = basis == "quadrupole" or set(components[:ncomp]) == set(STRAIN_COMPONENTS)
    if symmetry is None:
        symmetry = complete
    if symmetry and not complete:
        raise ValueError("point-group symmetrization needs all strain components "
                         f"{STRAIN_COMPONENTS}; got {tuple(components[:ncomp])}")
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    system = runner.prepare_system(tb, symmetry=symmetry)
    ops = tb.operators()
    calcs = {}
    for tag, verts in sets.items():
        key = VERTEX_KEY if tag is None else f"{VERTEX_KEY}_{tag}"
        attach_vertex(system, verts, key=key)
        for m in moments:
            for part in parts:
                name = m if part == "total" else f"{m}_{part}"
                name = name if tag is None else f"{name}__{tag}"
                calcs[name] = FCIMVertex(ops[m], m, mu, kT, eta, ncomp, basis=basis,
                                         components=components, part=part, key=key,
                                         cell_measure=tb.cell_measure,
                                         degen_thresh=degen_thresh, periodic=tb.periodic)
    raw = runner.run(tb, calcs, nk, symmetry=symmetry, system=system, max_fft=max_fft,
                     progress=progress)
    return {n: calcs[n].from_result(v) for n, v in raw.items()}
