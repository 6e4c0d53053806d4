r"""Intrinsic orbital magnetoelectric and magnetothermal responses of 2D systems.

Xiao, Liu, Zhao, Yang & Niu, PRB 103, 045401 (2021), Eqs. (7)-(13):

    Delta M_z = chi . (E - grad(mu)/e) - alpha . grad T,                         (7)
    chi_i   = e   int[dk] f0(e_n) Lambda^n_i,                                   (8)
    alpha_i =     int[dk] s0(e_n) Lambda^n_i,                                   (9)
    s0 = (e - mu) f0/T + k_B ln(1 + exp(-(e - mu)/k_B T)),                       (10)
    Lambda^n_i = 2 Re sum_{m != n} A^i_{nm} M^{mn}/(e_n - e_m)
                 + (e/2hbar) eps_{jl} d_{k_j} G^n_{il},                           (11)

int[dk] = sum_n int d^2k/(2 pi)^2.  Lambda, M, G and the quantum-metric dipole are built
in :mod:`w90resp.responses.geometry`.  The Einstein-relation structure of Eq. (7) is
explicit in :func:`induced_magnetization`: E and grad(mu) enter only as E - grad(mu)/e.

Generalized Mott relation.  With s0(e) = int d eta (eta - mu)/T (-d_eta f0) theta(eta - e),
Eq. (9) is  alpha = -int d eta d_eta f0 (eta - mu)/(e T) chi_0(eta)  with chi_0 the T = 0
value of Eq. (8).  Eq. (12) is printed with the opposite overall sign, which would
contradict its own low-T limit Eq. (13), alpha = (pi^2 k_B^2 T/3e) d chi_0/d mu (and
Eq. 30 of Xiao, Ren & Xiong, PRB 103, 115432, which carries the minus sign); we use the
sign consistent with Eqs. (9), (10) and (13).  :func:`mott_alpha` evaluates the
right-hand side from a chi_0(eta) table, :func:`mott_alpha_low_T` Eq. (13).

Units (hbar = 1 internally, band quantities from H(k) in energy unit E and length L):
* Lambda in |e| hbar^-1 L^3 with the electron charge e = -|e| included (``charge``);
* chi  ("natural") in e^2/hbar x L  (= 2.434e-4 S x L);  e^2 is sign-free;
* alpha ("natural") in |e| k_B/hbar x L (sign for electrons included);
* for eV / Angstrom input :func:`to_si` gives mu_B nm^-2 per (V/m) and per (K/m)
  (the magnetization per area induced by a field of 1 V/m or a gradient of 1 K/m).
Per unit area: divided by N_k x cell area.  The temperature enters as k_B T in E.

How the k-sum is organized (the degeneracy issue).  The metric-dipole term of Eq. (11)
is summed in its Fermi-surface form: integrating by parts, sum_n w(e_n) d_j G^n ->
sum_n (-dw/de)(e_n) v^j_nn G^n (:func:`w90resp.responses.geometry.fermi_surface_metric`,
weights :data:`FS_WEIGHTS`), exact in the continuum.  The Fermi-sea form sums a total
derivative that should vanish but, on a grid, keeps the 1/Delta^3 terms of bands that
cross below mu: on bilayer CrI3 (PT-doubled bands) it gave a mu-independent chi, also in
the gap, of 3.3e-7 and 1.4e-7 mu_B nm^-2 per V/m at nk 96 and 192, now 1e-16.  The price:
the Fermi-surface weights need a grid that resolves k_B T (pt-afm at k_B T = 0.01 eV:
nk 192; the commands print a resolution note).  At T = 0 (chi only) the Fermi-sea form is
used.  Both forms agree at convergence (tests).  Every 1/(e_n - e_m) is regularized
smoothly below the crossover splitting ``degen_thresh``
(:func:`w90resp.responses._bands.pair_factors`): pairs split by less are one degenerate
group.  Intra-pair terms: for a pair split by delta -> 0 the literal formula keeps
Fermi-surface terms ~ (f_n - f_m)/delta whose limit depends on the perturbation that
splits the pair (pt-afm, mu = -0.3: a layer bias gives chi 1.2 % below the group value,
an exchange imbalance 0.2 % above; mu = 0.5: 1.4e-4 against -4.4e-5); for exactly
degenerate bands (the degenerate theory) the equilibrium density matrix is f(e_D) P_D,
which no rotation inside D changes, so these terms are absent: the group value is the
default for splittings below ``degen_thresh``, the literal value above it.

Tensor form.  The calculators return chi_{a i} (nmu, [nT,] 3, 3) with only the row
a = z (the magnetization) filled, so that WannierBerri's point-group symmetrization acts
on the axial index a and the polar index i: inversion odd, time reversal odd.  Hence chi
and alpha vanish with P or with T alone, and survive with PT (Table I).
"""
import numpy as np
from wannierberri.calculators.calculator import Calculator
from wannierberri.result import EnergyResult
from wannierberri.symmetry.point_symmetry import transform_odd

from . import _bands, geometry
from ._bands import PAIR_SCALE

QUANTITIES = ("chi", "alpha", "dchi")

# physical constants (scipy.constants, via units)
from ..units import E_CHARGE, HBAR_JS as HBAR, K_B, K_B_EV, MU_B  # noqa: E402  (scipy.constants)


def entropy_density(E, mu, kT):
    """s0/k_B of Eq. (10) for energies E (any shape) and mu (nmu,): (nmu,) + E.shape.

    s0/k_B = x f(x) + ln(1 + e^{-x}), x = (E - mu)/k_B T, overflow-safe; s0 >= 0.
    """
    if kT <= 0:
        return np.zeros((len(np.atleast_1d(mu)),) + np.shape(E))
    x = (np.asarray(E)[None] - np.asarray(mu).reshape((-1,) + (1,) * np.ndim(E))) / kT
    ex = np.exp(-np.abs(x))
    f = np.where(x > 0, ex / (1 + ex), 1 / (1 + ex))
    log_term = np.maximum(-x, 0.0) + np.log1p(ex)
    return x * f + log_term


def occupation_weights(quantity, E, mu, kT):
    """mu- and T-dependent weights (nmu, nT) + E.shape multiplying Lambda.

    chi: f0 (Eq. 8); alpha: s0/k_B (Eq. 9-10); dchi: -df0/de (d chi/d mu).
    """
    kTs = np.atleast_1d(np.asarray(kT, dtype=float))
    out = []
    for t in kTs:
        if quantity == "chi":
            out.append(_bands.fermi(E, mu, t))
        elif quantity == "alpha":
            out.append(entropy_density(E, mu, t))
        elif quantity == "dchi":
            out.append(_bands.minus_fermi_derivative(E, mu, t))
        else:
            raise ValueError(f"quantity must be one of {QUANTITIES}")
    return np.stack(out, axis=1)


def _window_weights(quantity, E, mu, kT):
    """Weights (nmu, N) of flat energies E: f0, s0/k_B or -df0/de (overflow safe).

    For moderate |E - mu|/kT the exponential factorizes, e^{(E - mu)/kT} =
    e^{(E - c)/kT} e^{(c - mu)/kT}: one exponential per energy and per mu, the rest are
    products (as :func:`_bands.minus_fermi_derivative`).
    """
    if quantity in FS_WEIGHTS.values():
        return _fermi_surface_weights(quantity, E, mu, kT)
    if kT <= 0:                                          # chi only
        x = E[None, :] - mu[:, None]
        return np.where(x < 0, 1.0, np.where(x > 0, 0.0, 0.5))
    c = 0.5 * (mu.max() + mu.min())
    a, b = (E - c) / kT, (c - mu) / kT
    if max(np.abs(a).max(initial=0), np.abs(b).max(initial=0)) < 300:
        ey = np.multiply.outer(np.exp(b), np.exp(a))     # e^{(E - mu)/kT}
        if quantity == "chi":
            ey += 1.0
            return np.reciprocal(ey, out=ey)
        if quantity == "dchi":
            d = ey + 1.0
            d *= d
            d *= kT
            return np.divide(ey, d, out=ey)
        t = np.reciprocal(ey)
        np.minimum(t, ey, out=t)                         # e^{-|y|}
        y = np.add.outer(b, a)
        np.abs(y, out=y)
    else:
        y = np.abs(E[None, :] - mu[:, None]) / kT
        t = np.exp(-y)
        if quantity == "chi":
            f = np.where(E[None, :] > mu[:, None], t, 1.0)
            f /= 1.0 + t
            return f
        if quantity == "dchi":
            d = 1.0 + t
            d *= d
            d *= kT
            return np.divide(t, d, out=t)
    # s0/k_B = |y| e^{-|y|}/(1 + e^{-|y|}) + log(1 + e^{-|y|}) (even in y = (E - mu)/kT)
    y *= t
    y /= 1.0 + t
    y += np.log1p(t, out=t)
    return y


#: Fermi-surface weights -dw/de of the metric-dipole term for each occupation weight w
#: (:func:`w90resp.responses.geometry.fermi_surface_metric`): f0 -> -f0', s0/k_B -> x (-f0')
#: with x = (e - mu)/k_B T, -f0' -> (-f0') tanh(x/2)/k_B T.
FS_WEIGHTS = {"chi": "fs_chi", "alpha": "fs_alpha", "dchi": "fs_dchi"}


def _fermi_surface_weights(quantity, E, mu, kT):
    """Weights (nmu, N) -dw/de of :data:`FS_WEIGHTS` (kT > 0)."""
    if kT <= 0:
        raise ValueError("the Fermi-surface form of the metric-dipole term needs kT > 0")
    w = _window_weights("dchi", E, mu, kT)
    if quantity == "fs_chi":
        return w
    x = (E[None, :] - mu[:, None]) / kT
    if quantity == "fs_alpha":
        return w * x
    return w * np.tanh(0.5 * x) / kT


def fermi_sums(quantity, E, X, mu, kT, cutoff=40.0, max_entries=2 ** 16):
    """sum_{k,n} weight(e_kn; mu, kT) X_kn for one temperature: (nmu,) + X.shape[E.ndim:].

    Equal to ``occupation_weights(...) @ X`` (without the charge factor) for a single
    kT, evaluated on the states within ``cutoff`` kT of the mu range only: the states
    below it enter chi with f0 = 1 (as one sum), and all weights outside the window are
    below e^-cutoff.  The window is processed in slices of at most ``max_entries``
    weights.
    """
    E = np.asarray(E, dtype=float)
    X = np.asarray(X)
    tail = X.shape[E.ndim:]
    E = E.reshape(-1)
    Xf = X.reshape(E.size, -1)
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    res = np.zeros((mu.size, Xf.shape[1]))
    if kT <= 0:
        if quantity != "chi":
            raise ValueError(f"{quantity} needs kT > 0")
        below = E < mu.min()
        inside = ~below & (E <= mu.max())
    else:
        below = E <= mu.min() - cutoff * kT
        inside = ~below & (E < mu.max() + cutoff * kT)
    if quantity == "chi" and below.any():               # (f0 = 1 below the window)
        res += Xf[below].sum(axis=0)
    Ew, Xw = E[inside], Xf[inside]
    step = max(1, int(max_entries // mu.size))
    for s in range(0, Ew.size, step):
        res += _window_weights(quantity, Ew[s:s + step], mu, kT) @ Xw[s:s + step]
    return res.reshape((mu.size,) + tail)


def sum_over_states(quantity, E, Lam, mu, kT, charge=-1.0):
    """sum_{k n} weight(e_kn; mu, T) Lambda_kn, one windowed matrix product per T: (nmu, nT, 3).

    chi and dchi carry the extra factor e (``charge``) of Eq. (8); alpha does not.
    """
    if quantity not in QUANTITIES + tuple(FS_WEIGHTS.values()):
        raise ValueError(f"quantity must be one of {QUANTITIES}")
    kTs = np.atleast_1d(np.asarray(kT, dtype=float))
    E = np.asarray(E, dtype=float).reshape(-1)
    Lf = np.asarray(Lam).reshape(E.size, -1)
    res = np.stack([fermi_sums(quantity, E, Lf, mu, t) for t in kTs], axis=1)
    return charge * res if quantity in ("chi", "dchi", "fs_chi", "fs_dchi") else res


def _planar(E, vecs):
    out = np.zeros(E.shape + (3,))
    out[..., :2] = vecs
    return out


def interband_chunk(data_K, degen_thresh=PAIR_SCALE, charge=-1.0):
    """First term of Eq. (11) on a WannierBerri chunk, cached (nk, nb, 3): v^x, v^y only."""
    c = _bands.cache(data_K)
    key = ("lambda_om_inter", float(degen_thresh), float(charge))
    if key not in c:
        vx, vy = geometry.band_derivatives(data_K, [(0,), (1,)])
        inter, _ = geometry.lambda_planar(data_K.E_K, vx, vy, None, None, None, charge=charge,
                                          degen_thresh=degen_thresh)
        c[key] = _planar(data_K.E_K, inter)
    return c[key]


def metric_fs_chunk(data_K, degen_thresh=PAIR_SCALE, charge=-1.0):
    """K^n_i of :func:`geometry.fermi_surface_metric` on a chunk, cached (nk, nb, 3)."""
    c = _bands.cache(data_K)
    key = ("lambda_om_metric_fs", float(degen_thresh), float(charge))
    if key not in c:
        vx, vy = geometry.band_derivatives(data_K, [(0,), (1,)])
        c[key] = _planar(data_K.E_K, geometry.fermi_surface_metric(
            data_K.E_K, vx, vy, charge=charge, degen_thresh=degen_thresh))
    return c[key]


def lambda_chunk(data_K, degen_thresh=PAIR_SCALE, charge=-1.0, parts=False):
    """Lambda^n_i (Eq. 11) on a WannierBerri k chunk, cached: (nk, nb, 3).

    Only the in-plane band matrices v^x, v^y, w^xx, w^xy, w^yy enter
    (:func:`geometry.lambda_planar`).
    """
    c = _bands.cache(data_K)
    key = ("lambda_om", float(degen_thresh), float(charge))
    if key not in c:
        E = data_K.E_K
        mats = geometry.band_derivatives(data_K, [(0,), (1,), (0, 0), (0, 1), (1, 1)])
        inter, metric = geometry.lambda_planar(E, *mats, charge=charge,
                                               degen_thresh=degen_thresh)
        l1 = np.zeros(E.shape + (3,))
        l2 = np.zeros(E.shape + (3,))
        l1[..., :2] = inter
        l2[..., :2] = metric
        c[key] = (l1 + l2, l1, l2)
    return c[key] if parts else c[key][0]


class OrbitalME(Calculator):
    """chi^int (Eq. 8), alpha^int (Eq. 9) or d chi/d mu of a 2D system, per unit area.

    Parameters
    ----------
    quantity : 'chi' | 'alpha' | 'dchi'
    Efermi : chemical potentials (energy unit of the Hamiltonian), any spacing
    kT : k_B T (same unit), a number or an array (temperature scan; kT = 0 allowed for chi)
    cell_measure : cell area (length unit^2)
    charge : carrier charge in |e| (-1: electrons)
    part : 'total' | 'interband' | 'metric' (the two terms of Eq. 11)
    Result data: (nmu, 3, 3) or, with an array kT, (nmu, nT, 3, 3); row z holds the
    vector (chi_x, chi_y, 0); units: see module docstring.
    """

    def __init__(self, quantity, Efermi, kT, cell_measure, charge=-1.0, part="total",
                 degen_thresh=PAIR_SCALE, **kwargs):
        super().__init__(degen_thresh=degen_thresh, **kwargs)
        if quantity not in QUANTITIES:
            raise ValueError(f"quantity must be one of {QUANTITIES}")
        if part not in ("total", "interband", "metric"):
            raise ValueError("part must be 'total', 'interband' or 'metric'")
        self.quantity = quantity
        self.Efermi = np.atleast_1d(np.asarray(Efermi, dtype=float))
        self.scan_T = np.ndim(kT) > 0
        self.kT = np.atleast_1d(np.asarray(kT, dtype=float))
        if quantity != "chi" and np.any(self.kT <= 0):
            raise ValueError(f"{quantity} needs kT > 0")
        self.cell_measure = float(cell_measure)
        self.charge = float(charge)
        self.part = part
        self.comment = f"intrinsic orbital ME {quantity} (Xiao et al. PRB 103, 045401 Eqs. 8-11)"

    def __call__(self, data_K):
        E, q = data_K.E_K, self.quantity
        args = (self.Efermi, self.kT, self.charge)
        vec = 0.0
        if self.part in ("total", "interband"):
            inter = interband_chunk(data_K, self.degen_thresh, self.charge)
            vec = vec + sum_over_states(q, E, inter, *args)
        if self.part in ("total", "metric"):
            if np.all(self.kT > 0):       # Fermi-surface form (geometry.fermi_surface_metric)
                K = metric_fs_chunk(data_K, self.degen_thresh, self.charge)
                vec = vec + sum_over_states(FS_WEIGHTS[q], E, K, *args)
            else:                         # chi at T = 0: the Fermi-sea dipole form
                _, _, metric = lambda_chunk(data_K, self.degen_thresh, self.charge, parts=True)
                vec = vec + sum_over_states(q, E, metric, *args)
        vec /= self.cell_measure * data_K.nk
        data = np.zeros(vec.shape[:2] + (3, 3))
        data[..., 2, :] = vec
        energies = [self.Efermi]
        if self.scan_T:
            energies.append(self.kT)
        else:
            data = data[:, 0]
        return EnergyResult(energies, data, transformTR=transform_odd, transformInv=transform_odd,
                            E_titles=["Efermi", "kT"], comment=self.comment,
                            save_mode=self.save_mode)


def calculators(mu, kT, cell_measure, quantities=("chi", "alpha"), **kwargs):
    """{name: OrbitalME} for several quantities sharing the cached Lambda of each chunk."""
    return {q: OrbitalME(q, mu, kT, cell_measure, **kwargs) for q in quantities}


def orbital_me(tb, mu, kT, nk=64, quantities=("chi", "alpha"), symmetry=True, **kwargs):
    """Run the calculators through :func:`w90resp.runner.run`; vectors (nmu, [nT,] 3).

    Returns {quantity: array} with the vector chi_i = data[..., z, i] (natural units,
    see module docstring).  ``tb`` must be 2D (per-area normalization).
    """
    from .. import runner
    if tb.dimension != 2:
        raise ValueError("chi^int and alpha^int are defined for 2D systems (Xiao et al.)")
    calcs = calculators(mu, kT, tb.cell_measure, quantities, **kwargs)
    res = runner.run(tb, calcs, nk, symmetry=symmetry)
    return {q: res[q][..., 2, :] for q in quantities}


def lambda_on_kpoints(tb, k_red, degen_thresh=PAIR_SCALE, charge=-1.0, parts=False):
    """Band-resolved Lambda^n_i (Eq. 11) at reduced k points by direct diagonalization.

    Returns E (nk, nb) and Lambda (nk, nb, 3) (or the (total, interband, metric) triple),
    for k-resolved maps like Fig. 2(c)-(d) of the paper.
    """
    E, v, w = geometry.bands_on_kpoints(tb, k_red)
    return E, geometry.lambda_vector(E, v, w, degen_thresh=degen_thresh, charge=charge,
                                     parts=parts)


# ------------------------------------------------------------- relations
def induced_magnetization(chi, alpha, E=None, grad_mu=None, grad_T=None, charge=-1.0):
    """Eq. (7): Delta M_z = chi.(E - grad(mu)/e) - alpha.grad T (consistent units).

    The electric field and the chemical-potential gradient enter only through the
    electrochemical combination E - grad(mu)/e (Einstein relation); ``charge`` is e in the
    units used for grad(mu) (e.g. -1 with mu in eV and E in V/length).
    """
    chi = np.asarray(chi)
    drive = np.zeros(chi.shape[-1])
    if E is not None:
        drive = drive + np.asarray(E, dtype=float)
    if grad_mu is not None:
        drive = drive - np.asarray(grad_mu, dtype=float) / charge
    out = np.tensordot(chi, drive, axes=([-1], [0]))
    if grad_T is not None:
        out = out - np.tensordot(np.asarray(alpha), np.asarray(grad_T, dtype=float),
                                 axes=([-1], [0]))
    return out


def mott_alpha(eta, chi0_eta, mu, kT, charge=-1.0):
    r"""Generalized Mott relation: alpha(mu, T) from the T = 0 table chi_0(eta).

    alpha = -int d eta (d f0/d eta) (eta - mu)/(e T) chi_0(eta)   (Eq. 12, sign of Eq. 13)
    in the natural units of this module (k_B = 1: kT and eta in the same energy unit,
    alpha in |e| k_B/hbar L when chi is in e^2/hbar L): the 1/(eT) with e = ``charge`` |e|
    and T -> kT/k_B.  Trapezoidal rule on the given (fine, uniform or not) eta grid.
    """
    eta = np.asarray(eta, dtype=float)
    chi0 = np.asarray(chi0_eta, dtype=float)
    tail = chi0.shape[1:]
    chi0 = chi0.reshape(len(eta), -1)
    mu = np.atleast_1d(mu)
    mdf = _bands.minus_fermi_derivative(eta, mu, kT)                  # (nmu, neta)
    weight = mdf * (eta[None] - mu[:, None]) / kT                      # (nmu, neta)
    integrand = weight[..., None] * chi0[None]                         # (nmu, neta, c)
    res = np.trapezoid(integrand, eta, axis=1) / charge
    return res.reshape((len(mu),) + tail)


def mott_alpha_low_T(dchi_dmu, kT, charge=-1.0):
    """Eq. (13): alpha = (pi^2 k_B^2 T / 3e) d chi_0/d mu (natural units, k_B = 1)."""
    return np.pi ** 2 * kT / (3 * charge) * np.asarray(dchi_dmu)


# ------------------------------------------------------------------ units
def natural_units(length_unit="Angstrom", energy_unit="eV"):
    """Strings naming the natural units of chi, alpha and Lambda for a length unit."""
    L = length_unit
    return {"chi": f"e^2/hbar * {L}", "alpha": f"|e| k_B/hbar * {L}",
            "dchi": f"e^2/hbar * {L} / {energy_unit}", "Lambda": f"|e|/hbar * {L}^3",
            "mu": energy_unit, "kT": energy_unit}


def to_si(chi=None, alpha=None, length_unit="Angstrom"):
    """Convert natural chi, alpha (length unit Angstrom or nm) to mu_B nm^-2 per V/m, K/m.

    chi [mu_B nm^-2 / (V/m)] = chi_nat x (e^2/hbar) x L / (mu_B / nm^2);
    alpha [mu_B nm^-2 / (K/m)] = alpha_nat x (|e| k_B/hbar) x L / (mu_B / nm^2).
    (chi in S m = A m/V: multiply the natural value by e^2/hbar x L.)
    """
    L = {"Angstrom": 1e-10, "angstrom": 1e-10, "Ang": 1e-10, "nm": 1e-9}.get(length_unit)
    if L is None:
        raise ValueError(f"no SI conversion for length unit {length_unit!r}")
    per_nm2 = MU_B / 1e-18
    out = {}
    if chi is not None:
        out["chi"] = np.asarray(chi) * E_CHARGE ** 2 / HBAR * L / per_nm2
        # the same in nm/Ohm (Xiao et al. PRB 103, 045401, Fig. 2): a 2D magnetization is a
        # current (A), per V/m: A m/V = m/Ohm
        out["chi_nm_per_ohm"] = np.asarray(chi) * E_CHARGE ** 2 / HBAR * L * 1e9
    if alpha is not None:
        out["alpha"] = np.asarray(alpha) * E_CHARGE * K_B / HBAR * L / per_nm2
    return out
