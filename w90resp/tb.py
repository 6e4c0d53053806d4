"""Tight-binding / Wannier Hamiltonians with orbital metadata, and their WannierBerri systems.

A :class:`TightBinding` holds H(R) in Wannier90's convention

    H_mn(R) = <m, 0 | H | n, R>,    H_mn(k) = sum_R H_mn(R) exp(i k.(R + tau_n - tau_m))

(the second, "convention I" with orbital positions tau in the phase, is what
WannierBerri uses with Wannier centres; with it dH/dk is the physical velocity
v = i[H, r] with r including the orbital positions).  Both the Wannier90 readers
(:mod:`w90resp.io`) and the built-in models (:mod:`w90resp.models`) produce it;
:meth:`TightBinding.to_wannierberri` turns it into a ``wannierberri.system.System_R``.
"""
from dataclasses import dataclass, field

import numpy as np

from .operators import onsite_operators


@dataclass
class TightBinding:
    """A Hamiltonian H(R) with lattice and per-orbital metadata.

    Attributes
    ----------
    name : str
    real_lattice : (3, 3) rows are lattice vectors (length unit ``length_unit``)
    orbitals : list of :class:`w90resp.orbitals.Orbital`
    hoppings : dict {(R1, R2, R3): (nw, nw) complex array}, H_mn(R) = <m0|H|nR>
    periodic : 3 bools (``(True, True, False)`` for 2D sheets)
    energy_unit, length_unit : strings written to outputs ('eV'/'Angstrom' for
        Wannier input; e.g. 't'/'a' for dimensionless models)
    atoms : list of (species, Cartesian position) for symmetry analysis
    parameters : model parameters, copied to output files
    quadrupole_sites : callable(Orbital)->bool choosing where Q_lambda lives (None: all p, d)
    magnetic_moments : None for a time-reversal-symmetric system, else one 3-vector per
        atom (collinear moments); decides the (magnetic) point group used for symmetry
    position_matrix : None (orbital positions only: the diagonal approximation) or a dict
        {R: (nw, nw, 3) complex} of the full <m0|r|nR> (Angstrom) of a Wannier90 _tb.dat,
        its R = 0 diagonal the Wannier centres
    """
    name: str
    real_lattice: np.ndarray
    orbitals: list
    hoppings: dict
    periodic: tuple = (True, True, True)
    energy_unit: str = "eV"
    length_unit: str = "Angstrom"
    atoms: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)
    quadrupole_sites: object = None
    magnetic_moments: object = None
    position_matrix: object = None

    def __post_init__(self):
        self.real_lattice = np.asarray(self.real_lattice, dtype=float)
        nw = len(self.orbitals)
        clean = {}
        for R, h in self.hoppings.items():
            h = np.asarray(h, dtype=complex)
            if h.shape != (nw, nw):
                raise ValueError(f"H(R={R}) has shape {h.shape}, expected ({nw}, {nw})")
            clean[tuple(int(x) for x in R)] = h
        self.hoppings = clean
        if (0, 0, 0) not in self.hoppings:
            raise ValueError("H(R) has no R = (0, 0, 0) block")

    # ------------------------------------------------------------------ basics
    @property
    def num_wann(self):
        return len(self.orbitals)

    @property
    def dimension(self):
        return int(np.sum(self.periodic))

    @property
    def spinful(self):
        return any(o.spin != "none" for o in self.orbitals)

    @property
    def positions(self):
        """Cartesian orbital centres (nw, 3)."""
        return np.array([o.position for o in self.orbitals])

    @property
    def recip_lattice(self):
        return 2 * np.pi * np.linalg.inv(self.real_lattice).T

    @property
    def cell_measure(self):
        """Volume of the unit cell, or its area for a 2D sheet (periodic in a1, a2)."""
        if self.dimension == 2:
            if tuple(self.periodic) != (True, True, False):
                raise ValueError("2D systems must be periodic along a1 and a2")
            return float(np.linalg.norm(np.cross(self.real_lattice[0], self.real_lattice[1])))
        return float(abs(np.linalg.det(self.real_lattice)))

    def hermiticity_error(self):
        """max |H(R) - H(-R)^dagger| over all R (missing partners count fully)."""
        err = 0.0
        for R, h in self.hoppings.items():
            mR = tuple(-x for x in R)
            partner = self.hoppings.get(mR)
            if partner is None:
                err = max(err, np.abs(h).max())
            else:
                err = max(err, np.abs(h - partner.conj().T).max())
        return err

    def operators(self):
        """On-site L, S, Q matrices in the Wannier basis (see :func:`onsite_operators`)."""
        return onsite_operators(self.orbitals, self.quadrupole_sites)

    # ------------------------------------------------------- direct evaluation
    def hamiltonian(self, k_red, derivative=False):
        """H(k) (and dH/dk, Cartesian, energy*length) at reduced k (..., 3).

        Plain numpy reference used by tests and by small models; production k-sums go
        through WannierBerri.
        """
        k_red = np.atleast_2d(np.asarray(k_red, dtype=float))
        Rs = np.array(list(self.hoppings.keys()), dtype=float)
        Hs = np.array(list(self.hoppings.values()))
        tau_red = self.positions @ np.linalg.inv(self.real_lattice)
        # phase(k, R, m, n) = 2 pi k.(R + tau_n - tau_m)
        dtau = tau_red[None, :, :] - tau_red[:, None, :]  # (m, n, 3)
        ph = 2 * np.pi * (np.einsum("ki,ri->kr", k_red, Rs)[:, :, None, None]
                          + np.einsum("ki,mni->kmn", k_red, dtau)[:, None, :, :])
        e = np.exp(1j * ph) * Hs[None]
        Hk = e.sum(axis=1)
        if not derivative:
            return Hk
        # Cartesian displacement R + tau_n - tau_m
        Rcart = Rs @ self.real_lattice
        dcart = self.positions[None, :, :] - self.positions[:, None, :]
        disp = Rcart[:, None, None, :] + dcart[None]
        dH = 1j * np.einsum("krmn,rmnc->kmnc", e, disp)
        return Hk, dH

    # ------------------------------------------------------- WannierBerri view
    def to_wannierberri(self, spin_matrix=True):
        """A ``wannierberri.system.System_R`` holding H(R) and the Wannier centres.

        With ``spin_matrix`` and a spinful basis, WannierBerri's own ``SS`` (Pauli
        matrices, its convention) is set from the metadata.  Our L/S/Q operators are
        not stored on the system: they are on-site and k-independent, so calculators
        rotate them to the band basis themselves (no R-space symmetrization issue).
        """
        from wannierberri.system.system_R import System_R
        from wannierberri.fourier.rvectors import Rvectors

        full_r = self.position_matrix is not None
        system = System_R(name=self.name, periodic=tuple(bool(p) for p in self.periodic),
                          force_internal_terms_only=not full_r)
        system.real_lattice = self.real_lattice
        system.num_wann = self.num_wann
        Rlist = set(self.hoppings) | {tuple(-x for x in R) for R in self.hoppings}
        iRvec = np.array(sorted(Rlist), dtype=int)
        system.wannier_centers_cart = self.positions
        system.clear_cached_wcc()
        system.rvec = Rvectors(lattice=self.real_lattice, iRvec=iRvec,
                               shifts_left_red=system.wannier_centers_red)
        ham = np.zeros((system.rvec.nRvec, self.num_wann, self.num_wann), dtype=complex)
        for R, h in self.hoppings.items():
            ham[system.rvec.iR(R)] += h
        system.set_R_mat("Ham", ham)
        if full_r:
            # WannierBerri's convention: AA(R) = <m0|r|nR> minus the phase positions on the
            # R = 0 diagonal (here the orbital positions, not the Wannier centres; the two
            # conventions describe the same Bloch states once the whole r(R) is kept)
            AA = np.zeros((system.rvec.nRvec, self.num_wann, self.num_wann, 3), dtype=complex)
            for R, r in self.position_matrix.items():
                AA[system.rvec.iR(R)] += r
            i0 = system.rvec.iR((0, 0, 0))
            AA[i0, np.arange(self.num_wann), np.arange(self.num_wann)] -= self.positions
            system.set_R_mat("AA", AA)
        if spin_matrix and self.spinful:
            S = self.operators()["S"]
            system.set_R_mat("SS", 2 * np.moveaxis(S, 0, -1), R=[0, 0, 0])
        if self.atoms:
            labels = [a[0] for a in self.atoms]
            pos_red = np.array([a[1] for a in self.atoms]) @ np.linalg.inv(self.real_lattice)
            system.set_structure(positions=pos_red, atom_labels=labels)
        system.do_at_end_of_init()
        return system
