r"""Orbital magnetization pumped by a periodic adiabatic evolution (2D band insulators).

Xiao, Ren & Xiong, PRB 103, 115432 (2021), Eqs. (8), (20), (21).  For H(k, t) periodic
in t with period T = 2 pi/omega and the chemical potential in a gap (zero Chern
numbers), the time-averaged orbital magnetization is (Eq. 20-21)

    M_bar = int_0^T dt/T  M(t),     M(t) = int d^2k/(2 pi)^2 sum_{n occ} d_B a^t_n,

and in an insulator only the first term of Eq. (8) survives the k-integral (the second,
(e/2) d_k x G^{kt}, is a total derivative of a periodic function):

    d_B a^t_n = 2 Re sum_{n1 != n} (-A^t_{n n1} m_{n1 n})/(e_n - e_{n1}),

A^t_{n n1} = <u_n|i hbar d_t u_{n1}> = i hbar (d_t H)_{n n1}/(e_{n1} - e_n),
m_{n1 n} = -(e/2) sum_{n2 != n} (v_{n1 n2} + delta_{n2 n1} v_n) x A^k_{n2 n} (text
below Eq. 14; its diagonal is the orbital moment m_n of Eq. 7).  With the Eq. (11)
convention of :mod:`w90resp.responses.geometry`, M^{mn} = -m_{mn}, so

    d_B a^t_n = 2 Re sum_m A^t_{nm} M^{mn}/(e_n - e_m)
              = hbar omega x :func:`geometry.connection_moment_term` (O = dH/d(omega t)),

because hbar d_t H = hbar omega dH/dphi for phi = omega t.

Conventions and units.
* e = -|e| (electrons); results are in units of |e| so the sign is the physical one.
* A moment density M (2D: magnetic moment per area) in units (|e| t0/hbar)(hbar omega/t0)
  equals the moment carried by any area a^2 in units (|e| t0/hbar) a^2 (hbar omega/t0):
  the number returned is  sum_k sum_occ d_B a^t / (N_k A_cell)  with energies in t0 and
  lengths in the model's length unit (it does not depend on that unit).  This is the
  normalization of Fig. 1(b) of the paper ("magnetic moment upon an area of a^2").
* To Bohr magnetons: (|e| t0/hbar) a^2 = 4.77 mu_B for t0 = 3 eV, a = 2.46 Angstrom, the
  paper's conversion (CODATA constants give 4.764); :data:`MUB_PER_NATURAL`.
* omega > 0 is the sense of the time dependence given (for the honeycomb model
  u_A = u0 (cos wt, sin wt), anticlockwise seen from +z).

Only an insulating state is meaningful (occupations are a step at ``mu``; ``mu`` must
lie in a gap at every k and t, :func:`pumped_moment` checks it).

What is (not) included.  M(t) here is the perturbative term int f0 d_B a^t of Eq. (17).
The instantaneous equilibrium magnetization M^0(t) (Eq. 7) is not added: it vanishes for
the honeycomb cycle, whose instantaneous Hamiltonians have real hoppings (time-reversal
symmetric at each t); the Chern-Simons term of Eq. (17) needs more than two bands and is
not implemented (the paper's model has two).

Measured (honeycomb, t0 = 1, t1 = 0.1, Delta = 0.2, dt0 = 0.1): pumped
-6.890e-4 (|e| t0/hbar) a^2 hbar omega/t0 = -3.287e-3 mu_B hbar omega/t0 (paper: about
-3.5e-3); nk = 48 and nt = 12 are converged to 1e-7 relative (nk = 96, 192; nt = 24);
Delta = 0.1 needs nk = 96 (2e-4 from nk = 192; nk = 48 is 5e-3 off).  The value is exactly linear in t1
(t1 only shifts both bands by t1 |F|^2) and quadratic in dt0 at small dt0.
"""
import numpy as np
from wannierberri.calculators.calculator import Calculator
from wannierberri.result import EnergyResult
from wannierberri.symmetry.point_symmetry import transform_ident, transform_odd

from ..tb import TightBinding
from . import geometry
from ._bands import PAIR_SCALE

#: (|e| t0/hbar) a^2 in Bohr magnetons for t0 = 3 eV, a = 2.46 Angstrom (the paper's value)
MUB_PER_NATURAL = 4.77

#: custom WannierBerri R-space key holding dH/dphi
DHDPHI_KEY = "dHdphi"


class PeriodicTightBinding:
    """H(R, phi) = base(R) + sum_{n != 0} H_n(R) e^{i n phi}, phi = omega t in [0, 2 pi).

    ``base``: TightBinding (the n = 0 component, with lattice and orbitals);
    ``harmonics``: {n: {R: (nw, nw) array}} with H_{-n}(R) = H_n(-R)^dagger so that
    H(phi) is Hermitian (checked).  d/dphi is exact: sum_n i n H_n(R) e^{i n phi}.
    """

    def __init__(self, base, harmonics, name=None, parameters=None, check=True):
        self.base = base
        self.harmonics = {int(n): {tuple(int(x) for x in R): np.asarray(h, complex)
                                   for R, h in blocks.items()}
                          for n, blocks in harmonics.items() if int(n) != 0}
        self.name = name or base.name
        self.parameters = dict(parameters if parameters is not None else base.parameters)
        self.rvectors = sorted(set(base.hoppings).union(*[set(b) for b in self.harmonics.values()])
                               | {tuple(-x for x in R) for b in self.harmonics.values() for R in b})
        if check:
            err = self.hermiticity_error()
            if err > 1e-10:
                raise ValueError(f"harmonics do not give a Hermitian H(phi) (error {err:.2g})")

    def hermiticity_error(self):
        err = 0.0
        for n, blocks in self.harmonics.items():
            partner = self.harmonics.get(-n, {})
            for R, h in blocks.items():
                mR = tuple(-x for x in R)
                other = partner.get(mR, np.zeros_like(h))
                err = max(err, float(np.abs(h - other.conj().T).max()))
        return err

    def _blocks(self, phase, derivative):
        nw = self.base.num_wann
        out = {R: np.zeros((nw, nw), complex) for R in self.rvectors}
        if not derivative:
            for R, h in self.base.hoppings.items():
                out[R] += h
        for n, blocks in self.harmonics.items():
            f = np.exp(1j * n * phase) * (1j * n if derivative else 1.0)
            for R, h in blocks.items():
                out[R] += f * h
        return out

    def at(self, phase):
        """TightBinding of H(phi) (all R vectors of the cycle present)."""
        b = self.base
        return TightBinding(name=f"{self.name}(phi={phase:.4g})", real_lattice=b.real_lattice,
                            orbitals=b.orbitals, hoppings=self._blocks(phase, False),
                            periodic=b.periodic, energy_unit=b.energy_unit,
                            length_unit=b.length_unit, atoms=b.atoms,
                            parameters=dict(self.parameters, phase=float(phase)))

    def derivative(self, phase):
        """{R: dH(R)/dphi} at phase phi (exact, from the Fourier components)."""
        return self._blocks(phase, True)

    @classmethod
    def from_callable(cls, func, nharm=2, check_points=3, tol=1e-9, name=None):
        """Fourier components of ``func(t_over_T) -> TightBinding`` (period 1 in its argument).

        Samples 2 nharm + 1 times and takes the discrete Fourier transform, exact for
        trigonometric polynomials of degree <= nharm; ``check_points`` extra times verify
        that (ValueError if the reconstruction misses by more than ``tol``): raise
        ``nharm`` for smoother-but-richer cycles.
        """
        nt = 2 * nharm + 1
        ts = np.arange(nt) / nt
        samples = [func(t) for t in ts]
        base0 = samples[0]
        Rs = sorted(set().union(*[set(s.hoppings) for s in samples]))
        nw = base0.num_wann
        stack = np.zeros((nt, len(Rs), nw, nw), complex)
        for i, s in enumerate(samples):
            for j, R in enumerate(Rs):
                if R in s.hoppings:
                    stack[i, j] = s.hoppings[R]
        coef = np.fft.fft(stack, axis=0) / nt      # c_n with sample = sum c_n e^{2 pi i n t}
        ns = np.fft.fftfreq(nt, 1.0 / nt).astype(int)
        harmonics, base_h = {}, {}
        for c, n in zip(coef, ns):
            blocks = {R: c[j] for j, R in enumerate(Rs)}
            if n == 0:
                base_h = blocks
            else:
                harmonics[n] = blocks
        base = TightBinding(name=base0.name, real_lattice=base0.real_lattice,
                            orbitals=base0.orbitals, hoppings=base_h, periodic=base0.periodic,
                            energy_unit=base0.energy_unit, length_unit=base0.length_unit,
                            atoms=base0.atoms, parameters=base0.parameters)
        obj = cls(base, harmonics, name=name or base0.name, check=False)
        for t in (np.arange(check_points) + 0.5) / (check_points * nt) + 0.37:
            ref = func(t % 1.0)
            got = obj.at(2 * np.pi * (t % 1.0)).hoppings
            err = max(float(np.abs(ref.hoppings.get(R, 0) - got.get(R, 0)).max())
                      for R in set(ref.hoppings) | set(got))
            if err > tol:
                raise ValueError(f"H(t) is not a trigonometric polynomial of degree {nharm} "
                                 f"(miss {err:.2g} at t/T = {t % 1:.3f}); raise nharm")
        return obj


# ----------------------------------------------------------------- per k chunk
def pumped_band_weights(E, v, dHdphi, degen_thresh=PAIR_SCALE, charge=-1.0):
    """d_B a^t_n / (hbar omega) (first term of Eq. 8) per band, (nk, nb).

    ``dHdphi`` (nk, nb, nb) band matrix of dH/d(omega t).  Units |e| hbar^-1 length^2.
    """
    return geometry.connection_moment_term(E, dHdphi, v, charge=charge,
                                           degen_thresh=degen_thresh)


class PumpedMoment(Calculator):
    """Instantaneous induced orbital magnetization M(t)/(hbar omega) of an insulator.

    First term of Eq. (8) summed over occupied bands (E < mu) and the k grid, divided by
    N_k x cell area: a 2D moment density, in (|e| t0/hbar)(hbar omega/t0) when energies
    are in t0 (see module docstring).  The system must carry the R-space matrix
    ``DHDPHI_KEY`` (dH/dphi), see :func:`wannierberri_system`.  Result: Cartesian
    axial vector (z component), time-reversal odd; run without symmetry (an instant of a
    rotating cycle has no point group to exploit).
    """

    def __init__(self, Efermi, cell_measure, charge=-1.0, degen_thresh=PAIR_SCALE, **kwargs):
        super().__init__(degen_thresh=degen_thresh, **kwargs)
        self.Efermi = np.atleast_1d(np.asarray(Efermi, dtype=float))
        self.cell_measure = float(cell_measure)
        self.charge = float(charge)
        self.comment = "pumped orbital moment density per hbar*omega (Xiao, Ren, Xiong Eqs. 8, 21)"

    def __call__(self, data_K):
        E = data_K.E_K
        v = data_K.Xbar("Ham", 1)
        dH = data_K.Xbar(DHDPHI_KEY)
        w = pumped_band_weights(E, v, dH, self.degen_thresh, self.charge)
        occ = (E[None] < self.Efermi[:, None, None]).astype(float)    # (nmu, nk, nb)
        val = np.einsum("fkn,kn->f", occ, w) / (self.cell_measure * data_K.nk)
        data = np.zeros((len(self.Efermi), 3))
        data[:, 2] = val
        return EnergyResult(self.Efermi, data, transformTR=transform_odd,
                            transformInv=transform_ident, comment=self.comment,
                            save_mode=self.save_mode)


def wannierberri_system(cycle, phase):
    """WannierBerri System_R of H(phi) carrying dH/dphi under :data:`DHDPHI_KEY`."""
    tb = cycle.at(phase)
    system = tb.to_wannierberri()
    der = cycle.derivative(phase)
    mat = np.zeros((system.rvec.nRvec, tb.num_wann, tb.num_wann), complex)
    for R, h in der.items():
        mat[system.rvec.iR(R)] += h
    system.set_R_mat(DHDPHI_KEY, mat)
    return tb, system


# ----------------------------------------------------------------------- driver
def gap_edges(cycle, phases, nk, nocc):
    """Highest occupied / lowest empty energy over a k grid and the phases (numpy)."""
    ks = np.stack(np.meshgrid(np.arange(nk) / nk, np.arange(nk) / nk, indexing="ij"),
                  -1).reshape(-1, 2)
    kr = np.zeros((len(ks), 3))
    kr[:, :2] = ks
    top, bottom = -np.inf, np.inf
    for ph in phases:
        E = np.linalg.eigvalsh(cycle.at(ph).hamiltonian(kr))
        top = max(top, E[:, nocc - 1].max())
        bottom = min(bottom, E[:, nocc].min())
    return top, bottom


def pumped_moment(cycle, nk=96, nt=24, mu=None, charge=-1.0, nocc=None, check_gap=True,
                  degen_thresh=PAIR_SCALE):
    """Instantaneous and period-averaged pumped orbital moment of ``cycle``.

    ``cycle``: :class:`PeriodicTightBinding` (or a callable t/T -> TightBinding, turned
    into one with :meth:`PeriodicTightBinding.from_callable`).
    ``nk``: k points per direction (2D); ``nt``: times t/T = j/nt, j = 0..nt-1.  The
    period average is the mean over the uniform t grid, exact (spectrally accurate) for a
    smooth periodic M(t).
    ``mu``: chemical potential (default: middle of the gap above the ``nocc`` lowest
    bands, ``nocc`` default half the bands).  Returns a dict with ``t_over_T``,
    ``moment`` (nt,) and ``pumped`` (float), both per hbar omega, in the units of the
    module docstring, plus ``mu`` and ``gap``.  ``degen_thresh``: crossover scale of the
    interband sums (:func:`w90resp.responses._bands.pair_factors`).
    """
    from .. import runner
    if not isinstance(cycle, PeriodicTightBinding):
        cycle = PeriodicTightBinding.from_callable(cycle)
    if cycle.base.dimension != 2:
        raise ValueError("the pumped orbital magnetization is implemented for 2D systems")
    nt = int(nt)
    phases = 2 * np.pi * np.arange(nt) / nt
    nb = cycle.base.num_wann
    nocc = nb // 2 if nocc is None else int(nocc)
    top, bottom = gap_edges(cycle, phases, min(int(nk), 48), nocc)
    if mu is None:
        mu = 0.5 * (top + bottom)
    if check_gap and not (top < mu < bottom):
        raise ValueError(f"mu = {mu:.4g} is not in the gap [{top:.4g}, {bottom:.4g}] "
                         "over the cycle: the pumped magnetization needs an insulator")
    area = cycle.base.cell_measure
    moment = np.zeros(nt)
    for i, ph in enumerate(phases):
        tb, system = wannierberri_system(cycle, ph)
        calc = PumpedMoment(Efermi=[mu], cell_measure=area, charge=charge,
                            degen_thresh=degen_thresh)
        res = runner.run(tb, {"m": calc}, nk, symmetry=False, system=system)
        moment[i] = res["m"][0, 2]
    return {"t_over_T": np.arange(nt) / nt, "moment": moment, "pumped": float(moment.mean()),
            "mu": float(mu), "gap": (float(top), float(bottom)), "nk": int(nk), "nt": nt}


def pumped_moment_numpy(cycle, nk=96, nt=24, mu=0.0, charge=-1.0, batch=20000):
    """Same as :func:`pumped_moment` by direct numpy diagonalization (reference / small models)."""
    nt = int(nt)
    ks = np.stack(np.meshgrid(np.arange(nk) / nk, np.arange(nk) / nk, indexing="ij"),
                  -1).reshape(-1, 2)
    kr = np.zeros((len(ks), 3))
    kr[:, :2] = ks
    area = cycle.base.cell_measure
    moment = np.zeros(nt)
    for i in range(nt):
        ph = 2 * np.pi * i / nt
        tb = cycle.at(ph)
        der = cycle.derivative(ph)
        dtb = TightBinding(name="d", real_lattice=tb.real_lattice, orbitals=tb.orbitals,
                           hoppings=der, periodic=tb.periodic)
        tot = 0.0
        for s in range(0, len(kr), batch):
            k = kr[s:s + batch]
            E, v, _, O = geometry.bands_on_kpoints(tb, k, extra=dtb.hamiltonian(k))
            w = pumped_band_weights(E, v, O, charge=charge)
            tot += float((w * (E < mu)).sum())
        moment[i] = tot / (area * len(kr))
    return {"t_over_T": np.arange(nt) / nt, "moment": moment, "pumped": float(moment.mean())}
