r"""Intrinsic nonlinear anomalous Hall and Ettingshausen effects of 2D metals.

Xiao, Ren & Xiong, PRB 103, 115432 (2021), Sec. V B, Eqs. (25)-(31); the intrinsic
(Berry-connection-polarizability) nonlinear Hall current is the one of Gao, Yang & Niu,
PRL 112, 166601 (2014) (ref. [22] of the paper), whose positional shift linear in E the
paper uses.

Field-corrected geometry (charge q of the carriers, q = ``charge`` |e|; hbar = 1).
The field enters as H' = -q E.r, so the positional shift linear in E is

    (a^k)^E_a = -q G^n_ab E_b,    G^n_ab = 2 Re sum_{m not in D(n)} A^a_nm A^b_mn/(e_n - e_m)
                                        = 2 Re sum_m v^a_nm v^b_mn / (e_n - e_m)^3        (BCP)

(second-order Stark shift of band n: -q^2 E.G.E/2 ... with the sign of G as written; the
Berry connection polarizability), and the field correction of the Berry curvature is
Omega^(1) = d_kx a_y - d_ky a_x (Eq. 25, text below).  The intrinsic nonlinear Hall current
(the paper's j = -e^2 E x int f0 Omega~, at second order in E) is

    j_a = chi_abc E_b E_c,   chi_abc = -(q^3/2) int f0' [2 v_a G_bc - v_b G_ac - v_c G_ab],

after one integration by parts over the Brillouin zone (int w Omega^(1) = -int w' (v x a)_z,
exact in the continuum): only Fermi-surface states contribute.  Written with the per-band
vector K^n_c = v^x_n G^n_yc - v^y_n G^n_xc (:func:`bcp_cross`), every current of Sec. V B
is a weighted band sum of K, and so is each term of Eqs. (25)-(29):

    int w(e) Omega^(1) = q int w'(e) K.E        for any occupation-type weight w,
    (v0 x a^E)_z       = -q K.E.

Hence, with S_w = int w K (natural units), the coefficients of E_b E_c (Sec. V B):

* Eq. (27) energy current j^E = -q E x int f0 e Omega~ - E x int f0 m~, with
  m~ - m = d_B(qE.a^k) + q v0 x a^E (Eq. 26): int f0 d_B(qE.a^k) = chi^OME.E is the
  orbital ME of :mod:`w90resp.responses.orbital_me` (Eq. 12), the second is -q^2 S_f.E;
* Eq. (25) magnetization M^(1) = int f0 m~^(1) + q int g0 Omega^(1) (g0' = f0), whose last
  two pieces cancel after the integration by parts, so M^(1) = chi^OME.E (Eq. 12);
* Eq. (28) magnetization current j^{E,mag} = -E x M^(1);
* Eq. (29) transport thermal current j^{h,tr} = j^E - j^{E,mag} - (mu/q) j
  = -q E x T int s Omega~, with (T s)' = (e - mu) f0';
* Eq. (30): j^{h,tr}/T = -(1/q) int d eta (eta - mu)/T f'(eta) j_0(eta), j_0 the T = 0
  current at Fermi energy eta (:func:`mott_thermal`), and its Sommerfeld limit Eq. (31):
  j^h/T = (pi^2 k_B^2 T/3q) dj_0/dmu (:func:`mott_thermal_low_T`).

The Fermi-sea forms (Omega^(1) of each state, from the analytic k-derivative of G,
:func:`omega1_on_kpoints`) are kept as the second route: the tests compare them with the
Fermi-surface sums of the engine and use them to build j_0(eta) for Eq. (30).

Degenerate bands (PT-symmetric antiferromagnets double every band).  The interband sums
run over m outside the degenerate group of n, with the package's smooth regulator
(:func:`w90resp.responses._bands.pair_factors`: 1/Delta -> Delta^3/(Delta^4 + Gamma^4)),
i.e. the pair-summed (non-Abelian) BCP used for PT-symmetric antiferromagnets (Wang et al.,
PRL 127, 277201 (2021); Liu et al., PRL 127, 277202 (2021)): for a group D the gauge-
invariant object is sum_{n in D} G^n = Tr_D[P_D A^a Q_D A^b P_D (...)], and intra-pair
terms are absent (the group's density matrix f(e_D) P_D is not changed by rotations in D).
In a PT pair the velocity block is proportional to the identity, so K summed over D is
gauge invariant (tested under random U(2) rotations).

Units (hbar = 1 internally; H(k) in energy E, lengths L).  Per unit area (2D).
* chi (nonlinear Hall, j per width per E^2): natural q^3/hbar L/E, i.e. e^2/hbar x L/V
  for eV input; SI A m V^-2 (:func:`to_si`);
* energy and thermal currents per E^2 (Eqs. 27-29): natural e^2/hbar x L, SI W m V^-2;
  the thermal coefficient per temperature (Eq. 30 form) in W m V^-2 K^-1.
Tensors are stored (nmu, 3, 3, 3) (in-plane indices filled, symmetric in b, c): polar
rank 3, odd under inversion and under time reversal; allowed by PT.
"""
import numpy as np
from wannierberri.calculators.calculator import Calculator
from wannierberri.result import EnergyResult
from wannierberri.symmetry.point_symmetry import transform_odd

from . import _bands, geometry
from ._bands import PAIR_SCALE
from .orbital_me import fermi_sums
from ..units import E_CHARGE, HBAR_JS as HBAR, K_B_EV

#: sums of the engine: name -> (weight of :func:`w90resp.responses.orbital_me.fermi_sums`)
#: S_f = sum f0 K ("chi"), S_1 = sum (-f0') K ("dchi"), S_2 = sum (-f0') (e - mu)/kT K
#: ("fs_alpha").
SUMS = {"S_f": "chi", "S_1": "dchi", "S_2": "fs_alpha"}

#: quantities of :class:`NonlinearHall`
QUANTITIES = ("chi", "thermal", "energy_band", "moment_shift")

EPS2 = np.array([[0.0, 1.0], [-1.0, 0.0]])      # eps_{ab z} on the in-plane indices


# ------------------------------------------------------------------ kernels (arrays)
def bcp_planar(E, vx, vy, degen_thresh=PAIR_SCALE):
    """In-plane Berry connection polarizability G^n_ab (nk, nb, 2, 2), length^2/energy.

    G^n_ab = 2 Re sum_m v^a_nm v^b_mn (e_n - e_m)^-3, with (e_n - e_m)^-1 = -g_nm the
    regularized inverse gap of :func:`_bands.pair_factors` (zero inside degenerate groups).
    """
    g, _ = _bands.pair_factors(E, degen_thresh)            # g_nm ~ 1/(e_m - e_n)
    h = -(g * g * g)                                       # (e_n - e_m)^-3
    vs = (vx, vy)
    G = np.empty(E.shape + (2, 2))
    for a in range(2):
        for b in range(a, 2):
            P = (vs[a] * vs[b].conj()).real                # Re v^a_nm v^b_mn
            G[..., a, b] = 2.0 * np.einsum("knm,knm->kn", P, h)
            G[..., b, a] = G[..., a, b]
    return G


def bcp_cross(E, vx, vy, degen_thresh=PAIR_SCALE):
    """K^n_c = v^x_n G^n_yc - v^y_n G^n_xc (nk, nb, 2): (v x a^E)_z = -q K.E."""
    G = bcp_planar(E, vx, vy, degen_thresh)
    ux = np.einsum("knn->kn", vx).real
    uy = np.einsum("knn->kn", vy).real
    return ux[..., None] * G[..., 1, :] - uy[..., None] * G[..., 0, :]


def bcp_cross_chunk(data_K, degen_thresh=PAIR_SCALE):
    """K of a WannierBerri chunk (nk, nb, 2), cached (shared by the quantities)."""
    c = _bands.cache(data_K)
    key = ("nlh_bcp_cross", float(degen_thresh))
    if key not in c:
        vx, vy = geometry.band_derivatives(data_K, [(0,), (1,)])
        c[key] = bcp_cross(data_K.E_K, vx, vy, degen_thresh)
    return c[key]


def hall_tensor(S, prefactor):
    """Rank-3 tensor T_abc = prefactor (eps_ab S_c + eps_ac S_b)/2 from S (..., 2).

    j_a = T_abc E_b E_c for a current j_a = prefactor eps_ab E_b (S.E) (a, b, c in-plane).
    """
    S = np.asarray(S)
    T2 = 0.5 * (np.einsum("ab,...c->...abc", EPS2, S) + np.einsum("ac,...b->...abc", EPS2, S))
    out = np.zeros(S.shape[:-1] + (3, 3, 3))
    out[..., :2, :2, :2] = prefactor * T2
    return out


def cross_E(vec_coeff):
    """Tensor of -E x (V.E) z^ (a 2D current from an in-plane vector coefficient V):
    (-E x M z^)_a = -eps_ab E_b M, with M = V.E."""
    return hall_tensor(vec_coeff, -1.0)


# ------------------------------------------------------------------ the engine
class NonlinearHall(Calculator):
    """Fermi-surface sums of K (module docstring) as rank-3 tensors, per unit area.

    quantity:
    * 'chi'          nonlinear Hall chi_abc = q^3 (eps_ab S1_c + eps_ac S1_b)/2;
    * 'thermal'      Eq. (29) coefficient of j^{h,tr}: q^2 kT (eps S2)_sym;
    * 'energy_band'  -q E x int f0 e Omega^(1) (first term of Eq. 27):
                     -q^2 (eps (S_f - kT S2 - mu S1))_sym;
    * 'moment_shift' -E x int f0 q v0 x a^E (second piece of the m~ term of Eq. 27):
                     +q^2 (eps S_f)_sym.
    Efermi (nmu,), kT > 0 (one temperature), cell_measure = area, charge = q/|e|.
    """

    def __init__(self, quantity, Efermi, kT, cell_measure, charge=-1.0,
                 degen_thresh=PAIR_SCALE, **kwargs):
        super().__init__(degen_thresh=degen_thresh, **kwargs)
        if quantity not in QUANTITIES:
            raise ValueError(f"quantity must be one of {QUANTITIES}")
        if not kT > 0:
            raise ValueError("the Fermi-surface sums need kT > 0")
        self.quantity = quantity
        self.Efermi = np.atleast_1d(np.asarray(Efermi, dtype=float))
        self.kT = float(kT)
        self.cell_measure = float(cell_measure)
        self.charge = float(charge)
        self.comment = f"intrinsic nonlinear Hall / Ettingshausen {quantity} (Xiao, Ren & Xiong Eqs. 25-29)"

    def sums(self, data_K, names):
        K = bcp_cross_chunk(data_K, self.degen_thresh)
        E = data_K.E_K.reshape(-1)
        Kf = K.reshape(E.size, 2)
        norm = self.cell_measure * data_K.nk
        return {n: fermi_sums(SUMS[n], E, Kf, self.Efermi, self.kT) / norm for n in names}

    def __call__(self, data_K):
        q, kT, mu = self.charge, self.kT, self.Efermi[:, None]
        if self.quantity == "chi":
            s = self.sums(data_K, ["S_1"])
            data = hall_tensor(s["S_1"], q ** 3)
        elif self.quantity == "thermal":
            s = self.sums(data_K, ["S_2"])
            data = hall_tensor(s["S_2"], q ** 2 * kT)
        elif self.quantity == "energy_band":
            s = self.sums(data_K, ["S_f", "S_1", "S_2"])
            data = hall_tensor(s["S_f"] - kT * s["S_2"] - mu * s["S_1"], -q ** 2)
        else:
            s = self.sums(data_K, ["S_f"])
            data = hall_tensor(s["S_f"], q ** 2)
        return EnergyResult([self.Efermi], data, transformTR=transform_odd,
                            transformInv=transform_odd, E_titles=["Efermi"],
                            comment=self.comment, save_mode=self.save_mode)


def calculators(mu, kT, cell_measure, quantities=QUANTITIES, **kwargs):
    """{quantity: NonlinearHall} sharing the cached K of each chunk."""
    return {q: NonlinearHall(q, mu, kT, cell_measure, **kwargs) for q in quantities}


def nonlinear_hall(tb, mu, kT, nk=96, quantities=QUANTITIES, symmetry=True, with_ome=True,
                   **kwargs):
    """Run the calculators (and the orbital-ME chi of the same run) through
    :func:`w90resp.runner.run`.

    Returns {quantity: (nmu, 3, 3, 3)} in natural units, plus 'chi_ome' (nmu, 3) when
    ``with_ome`` and, when all four quantities are present, the currents of
    :func:`ettingshausen_balance` under 'balance'.  ``tb`` must be 2D.
    """
    from .. import runner
    from .orbital_me import OrbitalME
    if tb.dimension != 2:
        raise ValueError("the intrinsic nonlinear Hall tensor is defined per width for 2D systems")
    calcs = calculators(mu, kT, tb.cell_measure, quantities, **kwargs)
    if with_ome:
        kw = {k: v for k, v in kwargs.items() if k in ("degen_thresh", "charge")}
        calcs["chi_ome"] = OrbitalME("chi", mu, kT, tb.cell_measure, **kw)
    res = runner.run(tb, calcs, nk, symmetry=symmetry)
    out = {q: res[q] for q in quantities}
    if with_ome:
        out["chi_ome"] = res["chi_ome"][..., 2, :]
        if set(QUANTITIES) <= set(quantities):
            out["balance"] = ettingshausen_balance(out, out["chi_ome"], mu,
                                                   kwargs.get("charge", -1.0))
    return out


def ettingshausen_balance(res, chi_ome, mu, charge=-1.0):
    """The currents of Sec. V B as coefficient tensors (nmu, 3, 3, 3), natural units.

    ``res``: results of :func:`calculators` (all four quantities); ``chi_ome``: the
    orbital-ME vector chi_i of :mod:`w90resp.responses.orbital_me` (nmu, 2 or 3) at the same
    mu and T (natural units, e^2/hbar x L; it is Eq. 12's int f0 d_B(qE.a^k) per E).
    Returns a dict with
      'energy'       Eq. (27),  'magnetization' Eq. (28),  'charge' j (chi_abc),
      'transport'    Eq. (27) - Eq. (28) - (mu/q) j,       'thermal' Eq. (29),
      'transport_without_magnetization'  Eq. (27) - (mu/q) j (Eq. 28 dropped).
    """
    chi_ome = np.asarray(chi_ome)[..., :2]
    mag = cross_E(chi_ome)                                 # -E x M^(1), M^(1) = chi^OME.E
    energy = res["energy_band"] + mag + res["moment_shift"]
    j = res["chi"]
    mu = np.asarray(mu, dtype=float).reshape((-1, 1, 1, 1))
    out = {"energy": energy, "magnetization": mag, "charge": j, "thermal": res["thermal"]}
    out["transport"] = energy - mag - (mu / charge) * j
    out["transport_without_magnetization"] = energy - (mu / charge) * j
    return out


# ------------------------------------------------------------- Fermi-sea route
def bcp_derivative(E, v, w, degen_thresh=PAIR_SCALE):
    """d_j G^n_ab (nk, nb, 2, 2, 2) [a, b, j], analytic (second route of the tests).

    G^n_ab = 2 Re sum_m v^a_nm v^b_mn h_nm, h_nm = -g_nm^3 (e_n - e_m)^-3 regularized;
    d_j v^a_nm = w^{aj}_nm + [v^a, D^j]_nm (covariant, :func:`geometry.covariant_derivative`),
    d_j h_nm = -3 g^2 g'(Delta) (v^j_mm - v^j_nn), Delta = e_m - e_n, g(x) = x^3/(x^4 + G^4).
    """
    pairs = _bands.pair_factors(E, degen_thresh)
    g = pairs[0]
    G4 = degen_thresh ** 4
    d = E[..., None, :] - E[..., :, None]
    den = d ** 4 + G4
    gp = d ** 2 * (3 * G4 - d ** 4) / den ** 2 if degen_thresh > 0 else -1.0 / np.where(d == 0, 1, d) ** 2
    gp = np.where(g == 0, 0.0, gp)
    h = -(g ** 3)
    vv = v[..., :2]
    dv = geometry.covariant_derivative(vv, w[..., :2, :2], v[..., :2], E, pairs)  # (k,n,m,a,j)
    diag = np.einsum("knna->kna", v[..., :2]).real
    dd = diag[:, None, :, :] - diag[:, :, None, :]           # v^j_mm - v^j_nn (k,n,m,j)
    dh = (-3 * g ** 2 * gp)[..., None] * dd
    out = np.empty(E.shape + (2, 2, 2))
    for a in range(2):
        for b in range(2):
            t1 = (dv[..., a, :] * vv[..., b].conj()[..., None]).real   # (d_j v^a)_nm v^b_mn
            t2 = (vv[..., a][..., None] * dv[..., b, :].conj()).real   # v^a_nm (d_j v^b)_mn
            t3 = (vv[..., a] * vv[..., b].conj()).real[..., None] * dh
            out[..., a, b, :] = 2.0 * np.einsum("knmj,knm->knj", t1 + t2, h) + 2.0 * t3.sum(axis=2)
    return out


def omega1_on_kpoints(tb, k_red, degen_thresh=PAIR_SCALE):
    """Per-state Omega^(1) per field, Fermi-sea form: E (nk, nb), O (nk, nb, 2) with
    Omega^(1)_kn = O_kn . (q E) ... precisely Omega^(1) = -q (d_x G_yc - d_y G_xc) E_c:
    returns W_c = d_x G_yc - d_y G_xc (length^3/energy), so Omega^(1) = -q W.E."""
    E, v, w = geometry.bands_on_kpoints(tb, k_red)
    dG = bcp_derivative(E, v, w, degen_thresh)              # [a, b, j]
    W = dG[..., 1, :, 0] - dG[..., 0, :, 1]
    return E, W


def mott_thermal(eta_states, weights, mu, kT, charge=-1.0):
    r"""Eq. (30) from the T = 0 current table: j^{h,tr}/T coefficients (nmu, ...).

    j_0(eta) = sum_s theta(eta - e_s) J_s is piecewise constant between the sorted state
    energies e_s (``weights`` J_s: each state's contribution to the T = 0 current
    coefficient); the eta integral -(1/q) int d eta (eta - mu)/T f'(eta) j_0(eta) is taken
    exactly on each interval, with the antiderivative of (eta - mu) f'(eta),
    F(eta) = (eta - mu) f(eta) + kT ln(1 + exp(-(eta - mu)/kT))  (k_B = 1, T -> kT).
    """
    e = np.asarray(eta_states, dtype=float).reshape(-1)
    J = np.asarray(weights).reshape(e.size, -1)
    order = np.argsort(e, kind="stable")
    e, J = e[order], J[order]
    cum = np.cumsum(J, axis=0)                               # j_0 on [e_s, e_{s+1})
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    Fe = entropy_energy(e, mu, kT)                           # (nmu, ns), F(+inf) = 0
    F_hi = np.concatenate([Fe[:, 1:], np.zeros((mu.size, 1))], axis=1)
    seg = F_hi - Fe                                          # int_{e_s}^{e_s+1} (eta - mu) f' d eta
    res = -(seg @ cum) / (charge * kT)
    return res.reshape((mu.size,) + np.shape(weights)[1:])


def entropy_energy(e, mu, kT):
    """T s(e) = (e - mu) f0 - g0 = kT [y f(y) + ln(1 + e^-y)], y = (e - mu)/kT (nmu, ne):
    the antiderivative of (e - mu) f0'(e) vanishing at e -> +inf (Eq. 29)."""
    y = (np.asarray(e, dtype=float)[None, :] - np.atleast_1d(mu)[:, None]) / kT
    f = 0.5 * (1.0 - np.tanh(0.5 * y))
    return kT * (y * f + np.logaddexp(0.0, -y))


def mott_thermal_low_T(dj_dmu, kT, charge=-1.0):
    """Eq. (31): j^h/T = (pi^2 k_B^2 T / 3q) d j_0/d mu (k_B = 1)."""
    return np.pi ** 2 * kT / (3 * charge) * np.asarray(dj_dmu)


# ------------------------------------------------------------------ units
def natural_units(length_unit="Angstrom", energy_unit="eV"):
    L = length_unit
    return {"chi": f"e^2/hbar * {L}/V (q^3/hbar * {L}/{energy_unit})",
            "current": f"e^2/hbar * {L} (energy current per width per field^2)",
            "thermal_per_T": f"e^2/hbar * {L} per {energy_unit} of k_B T"}


def to_si(length_unit="Angstrom"):
    """Factors natural -> SI for eV/length input (2D: currents per unit width):
    chi -> A m V^-2; energy and heat currents per E^2 -> W m V^-2; 'thermal_per_T', the
    heat-current coefficient divided by k_B T in eV (Eq. 30 form) -> W m V^-2 K^-1."""
    L = {"Angstrom": 1e-10, "angstrom": 1e-10, "Ang": 1e-10, "nm": 1e-9}.get(length_unit)
    if L is None:
        raise ValueError(f"no SI conversion for length unit {length_unit!r}")
    g = E_CHARGE ** 2 / HBAR * L
    return {"chi": g, "current": g, "thermal_per_T": g * K_B_EV}
