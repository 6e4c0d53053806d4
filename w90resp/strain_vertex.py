r"""The electron-strain vertex D_lambda = dH/d eps_lambda of a Wannier Hamiltonian.

From Wannier Hamiltonians of the unstrained cell (H_0) and of homogeneously strained cells
(H_eps, same projections, windows and Wannier gauge, same integer R labels), to first order
in the strain,

    H_eps(R) = H_0(R) + sum_lambda eps_lambda D_lambda(R) + O(eps^2),
    D_lambda(R) = [H_eps(R) - H_0(R)] / eps_lambda                (one run per component),

with eps_lambda the amplitude of one symmetric in-plane strain component
(xx, yy, or the shear xy: eps_xy = eps_yx = amplitude).  This is the non-local vertex of
Koyama, Koretsune & Hattori, Sec. V B and note [52] (strain modulates hoppings as well as
the on-site quadrupole Q_lambda), of which the paper's g_lambda Q_lambda is the on-site
part.  The strain tensor of a run is read off the two lattices, a_i' = (1 + eps) a_i
(rows of the lattice matrices: A' = A (1 + eps)^T), not from file names.

Checks provided here (used by the tests and by ``data/mosse/strain/check_strained.py``):

* hermiticity D(-R) = D(R)^dagger and time-reversal evenness;
* the point group of the unstrained crystal acts on D like on its strain component:
  O_g D(eps) O_g^dagger = D(g eps g^T) (:func:`symmetry_residuals`), with O_g the orbital
  and spin representation of :mod:`w90resp.symmetry.hamiltonian` — a strong test of gauge
  continuity between the runs (a gauge jump breaks it at order |H|, not eps |H|);
* deformation potentials d e_kn/d eps_lambda from first-order (degenerate) perturbation
  theory with D_lambda(k) (:func:`deformation_potentials`), against DFT eigenvalue
  differences of the strained and unstrained runs.

Energy reference.  The absolute eigenvalues of a periodic DFT run are referred to the
cell-averaged electrostatic potential, which moves with the cell area; D therefore
contains a part proportional to the identity (a uniform shift of all levels per unit
strain) that is a property of that reference, not of the crystal.  It is reported
(:attr:`StrainVertex.uniform_shift`, the mean diagonal of D(R = 0)) and can be removed
with :meth:`StrainVertex.without_uniform_shift`; deformation potentials are compared with
DFT in the same (DFT) reference, where both carry it alike.
"""
from dataclasses import dataclass, field

import numpy as np

#: in-plane strain components and their unit tensors (symmetric; xy is the engineering
#: shear eps_xy = eps_yx)
COMPONENTS = {
    "xx": np.array([[1.0, 0, 0], [0, 0, 0], [0, 0, 0]]),
    "yy": np.array([[0, 0, 0], [0, 1.0, 0], [0, 0, 0]]),
    "xy": np.array([[0, 1.0, 0], [1.0, 0, 0], [0, 0, 0]]),
}


def strain_between(lattice0, lattice1, tol=1e-7):
    """(component, amplitude, eps) of lattice1 = lattice0 (1 + eps)^T (rows a_i).

    Raises ValueError unless eps is one in-plane component of :data:`COMPONENTS` times an
    amplitude (to ``tol`` relative to the amplitude)."""
    A0 = np.asarray(lattice0, float)
    A1 = np.asarray(lattice1, float)
    eps = np.linalg.solve(A0, A1).T - np.eye(3)
    eps = 0.5 * (eps + eps.T) if np.abs(eps - eps.T).max() < 1e-9 else eps
    for name, unit in COMPONENTS.items():
        amp = np.sum(eps * unit) / np.sum(unit * unit)
        if amp != 0 and np.abs(eps - amp * unit).max() <= tol * abs(amp):
            return name, float(amp), eps
    raise ValueError("the strained lattice is not one homogeneous in-plane strain component "
                     f"of the unstrained one (eps = {np.round(eps, 8).tolist()})")


@dataclass
class StrainVertex:
    """D_lambda(R) for the components present; energies per unit strain.

    D : {component: {R: (nw, nw) complex}}
    dpos : {component: {R: (nw, nw, 3)}} change of the position matrix per unit strain
        (None when the inputs carry no position matrix)
    amplitudes : {component: eps of the run (half the span for two runs)}
    sources : {component: description of the run(s) and of how D was formed}
    linearity : {component: max|D_1 - D_2|/max|D| of the one-sided vertices} (two runs)
    """
    D: dict
    amplitudes: dict
    dpos: dict = None
    sources: dict = field(default_factory=dict)
    linearity: dict = field(default_factory=dict)

    @property
    def components(self):
        return tuple(self.D)

    def uniform_shift(self, component):
        """Mean diagonal of D(R = 0): the uniform level shift per unit strain (eV)."""
        return float(np.real(np.trace(self.D[component][(0, 0, 0)])) / len(self.D[component][(0, 0, 0)]))

    def without_uniform_shift(self):
        out = {}
        for c, d in self.D.items():
            s = self.uniform_shift(c)
            new = {R: h.copy() for R, h in d.items()}
            new[(0, 0, 0)] = new[(0, 0, 0)] - s * np.eye(len(new[(0, 0, 0)]))
            out[c] = new
        return StrainVertex(out, dict(self.amplitudes), self.dpos, dict(self.sources), dict(self.linearity))

    def combined(self, eps):
        """D(eps) = sum_c coeff_c D_c for a symmetric in-plane strain tensor ``eps`` (3x3),
        or None if it needs a component that is absent."""
        coeff = decompose(eps)
        if any(abs(v) > 1e-12 and c not in self.D for c, v in coeff.items()):
            return None
        out = {}
        for c, v in coeff.items():
            if abs(v) <= 1e-12:
                continue
            for R, h in self.D[c].items():
                out.setdefault(R, np.zeros_like(h))
                out[R] = out[R] + v * h
        return out


def decompose(eps):
    """Coefficients of a symmetric in-plane strain tensor on :data:`COMPONENTS`."""
    eps = np.asarray(eps, float)
    if np.abs(eps[2]).max() > 1e-12 or np.abs(eps[:, 2]).max() > 1e-12:
        raise ValueError("only in-plane strain tensors")
    return {"xx": eps[0, 0], "yy": eps[1, 1], "xy": 0.5 * (eps[0, 1] + eps[1, 0])}


def fold(HR, mp_grid):
    """{R mod mp_grid: sum of H(R) over its images}: the Fourier transform of the
    Wannier-gauge H(k) on the ab-initio k grid, independent of how the Wigner-Seitz
    construction distributed it over equivalent images."""
    N = np.array(mp_grid, dtype=int)
    out = {}
    for R, h in HR.items():
        key = tuple(int(x) for x in np.mod(R, N))
        out[key] = out.get(key, 0) + h
    return out


def unfold(folded, like, mp_grid):
    """Distribute folded matrices over the R vectors of ``like`` ({R: matrix}): each
    element of a folded block goes in equal shares to the images R (R = key mod mp_grid)
    where ``like`` has it nonzero (Wannier90's 1/ndegen, per element as MDRS does);
    elements that ``like`` has nowhere go to the image of smallest |R|."""
    N = np.array(mp_grid, dtype=int)
    groups = {}
    for R in like:
        groups.setdefault(tuple(int(x) for x in np.mod(R, N)), []).append(R)
    out = {R: np.zeros_like(h) for R, h in like.items()}
    for key, h in folded.items():
        imgs = groups.get(key)
        if not imgs:
            if np.abs(h).max() > 0:
                raise ValueError(f"no R vector of the unstrained run is equivalent to {key} "
                                 f"modulo the k grid {tuple(N)}")
            continue
        present = np.array([np.abs(like[R]) > 0 for R in imgs])        # (nimg, nw, nw)
        count = present.sum(axis=0)
        nearest = min(range(len(imgs)), key=lambda i: np.linalg.norm(imgs[i]))
        for i, R in enumerate(imgs):
            share = np.where(count > 0, present[i] / np.maximum(count, 1), 1.0 if i == nearest else 0.0)
            out[R] = out[R] + share * h
    return out


def _difference(tb0, tb, mp_grid):
    """(H_tb - H_0 on the R set of tb0, how) with Wigner-Seitz images reconciled."""
    if set(tb.hoppings) == set(tb0.hoppings):
        return {R: tb.hoppings[R] - tb0.hoppings[R] for R in tb0.hoppings}, "same R vectors"
    grid = mp_grid or tb0.parameters.get("mp_grid")
    if grid is None or list(grid) != list(tb.parameters.get("mp_grid", grid)):
        raise ValueError(f"{tb.name}: R vectors differ from the unstrained run and the k "
                         "grid (mp_grid of the .win files) is unknown or differs")
    f0, f1 = fold(tb0.hoppings, grid), fold(tb.hoppings, grid)
    nw = tb0.num_wann
    z = np.zeros((nw, nw), complex)
    diff = {k: f1.get(k, z) - f0.get(k, z) for k in set(f0) | set(f1)}
    how = (f"R vectors differ ({len(set(tb.hoppings) ^ set(tb0.hoppings))} not shared): folded "
           f"onto the {tuple(grid)} k-grid supercell, difference distributed over the "
           "unstrained images")
    return unfold(diff, tb0.hoppings, grid), how


def vertex_from_pairs(tb0, strained, mp_grid=None):
    """StrainVertex from the unstrained ``tb0`` and strained TightBinding objects, one
    homogeneous in-plane strain component each; one or two runs per component.

    * one run of amplitude eps: D = [H_eps(R) - H_0(R)]/eps (one-sided; carries the
      second-order term, O(eps), e.g. a first-order-forbidden part of a shear vertex);
    * two runs eps_1, eps_2 (e.g. +-0.5 %): D = [H_eps1 - H_eps2]/(eps_1 - eps_2), the
      central difference when eps_2 = -eps_1 (second order cancels); ``linearity`` records
      max|D_1 - D_2| / max|D| of the two one-sided vertices.
    When the R sets differ (a shear moves the Wigner-Seitz boundary, so a strained run can
    put a hopping on another image R + N_i a_i) both Hamiltonians are folded onto the
    k-grid supercell (``mp_grid``, default ``tb0.parameters['mp_grid']`` from the .win),
    subtracted there, and the difference is distributed over the unstrained images
    (:func:`unfold`), so that D(k) is interpolated on the R set of H_0.  ``sources``
    records which was done."""
    groups = {}
    for tb in strained:
        if tb.num_wann != tb0.num_wann:
            raise ValueError(f"{tb.name}: {tb.num_wann} Wannier functions, unstrained {tb0.num_wann}")
        comp, amp, _ = strain_between(tb0.real_lattice, tb.real_lattice)
        groups.setdefault(comp, []).append((amp, tb))
    D, dpos, amps, srcs, lin = {}, {}, {}, {}, {}
    for comp, runs in groups.items():
        if len(runs) > 2:
            raise ValueError(f"{len(runs)} runs for strain component {comp} (one or two)")
        diffs = []
        for amp, tb in runs:
            dH, how = _difference(tb0, tb, mp_grid)
            diffs.append((amp, dH, how, tb))
        if len(diffs) == 1:
            amp, dH, how, tb = diffs[0]
            D[comp] = {R: h / amp for R, h in dH.items()}
            amps[comp] = amp
            srcs[comp] = f"{tb.parameters.get('source', tb.name)} ({how}; one-sided)"
        else:
            (a1, d1, h1, t1), (a2, d2, h2, t2) = diffs
            if np.isclose(a1, a2):
                raise ValueError(f"two runs for strain component {comp} with the same amplitude")
            D[comp] = {R: (d1[R] - d2[R]) / (a1 - a2) for R in d1}
            amps[comp] = 0.5 * abs(a1 - a2)
            scale = max(np.abs(h).max() for h in D[comp].values())
            lin[comp] = float(max(np.abs(d1[R] / a1 - d2[R] / a2).max() for R in d1) / scale)
            srcs[comp] = (f"{t1.parameters.get('source', t1.name)} (eps {a1:+g}; {h1}) and "
                          f"{t2.parameters.get('source', t2.name)} (eps {a2:+g}; {h2}): "
                          + ("central difference" if np.isclose(a1, -a2) else "two-point difference"))
        tbs = [tb for _, tb in runs]
        if all(t.position_matrix is not None for t in tbs) and tb0.position_matrix is not None \
                and len(runs) == 1:
            dpos[comp] = {R: (tbs[0].position_matrix[R] - tb0.position_matrix[R]) / runs[0][0]
                          for R in tb0.position_matrix if R in tbs[0].position_matrix}
    return StrainVertex(D, amps, dpos or None, srcs, lin)


def fourier(HR, k_red):
    """H(k) = sum_R exp(2 pi i k.R) H(R) (nk, nw, nw), reduced k (convention II)."""
    Rs = np.array(list(HR), dtype=float)
    Hs = np.array(list(HR.values()))
    ph = np.exp(2j * np.pi * np.atleast_2d(k_red) @ Rs.T)
    return np.einsum("kr,rij->kij", ph, Hs)


def deformation_potentials(tb0, DR, k_red, degen_tol=1e-4):
    """(E0 (nk, nb), dE (nk, nb)): bands of tb0 and d e_n/d eps from first-order
    perturbation theory with the vertex DR ({R: matrix}); inside a degenerate group
    (|e_n - e_m| < degen_tol) the eigenvalues of the projected vertex block."""
    H0 = fourier(tb0.hoppings, k_red)
    Dk = fourier(DR, k_red)
    E, U = np.linalg.eigh(H0)
    Dn = np.einsum("kim,kij,kjn->kmn", U.conj(), Dk, U)
    dE = np.empty_like(E)
    for ik in range(len(E)):
        n = 0
        while n < E.shape[1]:
            m = n + 1
            while m < E.shape[1] and E[ik, m] - E[ik, m - 1] < degen_tol:
                m += 1
            dE[ik, n:m] = np.linalg.eigvalsh(Dn[ik, n:m, n:m])
            n = m
    return E, dE


def _apply_op(tb0, HR, g, t):
    from .symmetry.hamiltonian import _transform, orbital_representation
    Dm, shifts = orbital_representation(tb0, g, t)
    lat = tb0.real_lattice
    g_red = np.round(np.linalg.inv(lat.T) @ g @ lat.T).astype(int)
    return _transform(tb0, HR, Dm, shifts, g_red)


def _max_diff(A, B):
    keys = set(A) | set(B)
    nw = len(next(iter(A.values())))
    z = np.zeros((nw, nw), complex)
    return max(np.abs(A.get(R, z) - B.get(R, z)).max() for R in keys)


def symmetry_residuals(tb0, vertex, symprec=None):
    """Residuals of D under the space group of tb0 (+ time reversal), per component.

    Returns a list of dicts (component, operation index, mapped-to strain decomposition,
    residual max|O D_c O^dag - D(g e_c g^T)|, scale max|D_c|) for every (g, c) whose image
    strain is expressible by the components present, and one 'time reversal' entry per
    component.  The relative residual residual/scale measures the gauge discontinuity and
    the symmetry breaking of the two DFT + Wannier runs."""
    from .symmetry.hamiltonian import _time_reversal_matrix, space_group_operations
    ops = space_group_operations(tb0, symprec)
    out = []
    for c, Dc in vertex.D.items():
        scale = max(np.abs(h).max() for h in Dc.values())
        for i, (g, t) in enumerate(ops):
            target = vertex.combined(g @ COMPONENTS[c] @ g.T)
            if target is None:
                continue
            img = _apply_op(tb0, Dc, g, t)
            out.append({"component": c, "operation": i, "rotation": np.round(g, 6).tolist(),
                        "image": {k: round(float(v), 6) for k, v in decompose(g @ COMPONENTS[c] @ g.T).items()},
                        "residual": float(_max_diff(img, target)), "scale": float(scale)})
        if tb0.spinful:
            T = _time_reversal_matrix(tb0)
            img = {R: T @ h.conj() @ T.conj().T for R, h in Dc.items()}
        else:
            img = {R: h.conj() for R, h in Dc.items()}
        out.append({"component": c, "operation": "time reversal", "image": {c: 1.0},
                    "residual": float(_max_diff(img, Dc)), "scale": float(scale)})
        herm = max(np.abs(h - Dc[tuple(-x for x in R)].conj().T).max() for R, h in Dc.items()
                   if tuple(-x for x in R) in Dc)
        out.append({"component": c, "operation": "hermiticity", "image": {c: 1.0},
                    "residual": float(herm), "scale": float(scale)})
    return out


def onsite_fit(tb0, DR, select):
    """Best on-site quadrupole form of a vertex on the shells chosen by ``select``
    (callable(Orbital) -> bool, e.g. Mo d): D ~ c_0 1_shell + sum_lambda c_lambda Q_lambda.

    Least squares in the Frobenius norm over the R = 0 block of the selected orbitals
    (the Q_lambda of :func:`w90resp.operators.onsite_operators`, restricted to those
    orbitals, with the identity of the block).  Returns a dict with 'identity' (c_0, eV),
    'g' (5 c_lambda in LAMBDAS order, eV), 'fit' ({(0,0,0): matrix} of the full system size),
    'onsite_residual' (|D_0 - fit| / |D_0| on the block) and 'nonlocal_share'
    (|D - fit|^2 / |D|^2 summed over all R and orbitals: the weight of D that the paper's
    on-site g_lambda Q_lambda cannot carry)."""
    from .operators import onsite_operators
    idx = np.array([i for i, o in enumerate(tb0.orbitals) if select(o)])
    if len(idx) == 0:
        raise ValueError("no orbital selected for the on-site fit")
    Q = onsite_operators(tb0.orbitals, quadrupole_sites=select)["Q"]
    basis = [np.eye(tb0.num_wann)[np.ix_(idx, idx)]] + [q[np.ix_(idx, idx)] for q in Q]
    D0 = DR[(0, 0, 0)][np.ix_(idx, idx)]
    A = np.array([b.reshape(-1) for b in basis]).T
    coef, *_ = np.linalg.lstsq(A, D0.reshape(-1), rcond=None)
    coef = coef.real
    fit_block = sum(c * b for c, b in zip(coef, basis))
    fit = np.zeros((tb0.num_wann, tb0.num_wann), dtype=complex)
    fit[np.ix_(idx, idx)] = fit_block
    total = sum(np.sum(np.abs(h) ** 2) for h in DR.values())
    rest = sum(np.sum(np.abs(h - (fit if R == (0, 0, 0) else 0)) ** 2) for R, h in DR.items())
    return {"identity": float(coef[0]), "g": coef[1:], "fit": {(0, 0, 0): fit},
            "onsite_residual": float(np.linalg.norm(D0 - fit_block) / np.linalg.norm(D0)),
            "nonlocal_share": float(rest / total)}


def symmetrize(tb0, vertex, symprec=None, time_reversal=True):
    """Project a complete in-plane vertex (xx, yy, xy) onto its symmetric form.

    D_sym(eps) = (1/|G|) sum_g O_g^dagger D(g eps g^T) O_g over the space group of tb0
    (with the time-reversal average T D* T^dagger when ``time_reversal``), which obeys
    O_h D_sym(eps) O_h^dagger = D_sym(h eps h^T) for every operation h exactly, as the
    Hamiltonian symmetrizer does for H(R).  Returns (StrainVertex, report) with the size
    of the removed part relative to max|D| per component.
    """
    from .symmetry.hamiltonian import _time_reversal_matrix, space_group_operations
    if set(vertex.D) != set(COMPONENTS):
        raise ValueError(f"symmetrizing the vertex needs all components {tuple(COMPONENTS)}; "
                         f"have {vertex.components}")
    ops = space_group_operations(tb0, symprec)
    out = {}
    for c in COMPONENTS:
        acc = {}
        for g, t in ops:
            target = vertex.combined(g @ COMPONENTS[c] @ g.T)
            gi = g.T
            img = _apply_op(tb0, target, gi, -gi @ t)           # O_g^dagger X O_g
            for R, h in img.items():
                acc[R] = acc.get(R, 0) + h / len(ops)
        if time_reversal:
            T = _time_reversal_matrix(tb0) if tb0.spinful else None
            tr = {R: (T @ h.conj() @ T.conj().T if T is not None else h.conj()) for R, h in acc.items()}
            acc = {R: 0.5 * (acc[R] + tr[R]) for R in acc}
        out[c] = {R: h for R, h in acc.items() if np.abs(h).max() > 0 or R == (0, 0, 0)}
    report = {}
    for c in COMPONENTS:
        scale = max(np.abs(h).max() for h in vertex.D[c].values())
        nw = tb0.num_wann
        z = np.zeros((nw, nw), complex)
        removed = max(np.abs(out[c].get(R, z) - vertex.D[c].get(R, z)).max()
                      for R in set(out[c]) | set(vertex.D[c]))
        report[c] = {"removed_max": float(removed), "max_D": float(scale)}
    return StrainVertex(out, dict(vertex.amplitudes), vertex.dpos, dict(vertex.sources), dict(vertex.linearity)), report
