"""Unit systems of the outputs, in one place.

Internally hbar = 1: velocities are dH/dk (energy x length), angular momenta L, S are in
units of hbar, energies and lengths are those of the Hamiltonian (eV and Angstrom for
Wannier90 input; the model's own units for dimensionless models).
"""
from scipy import constants as _c

from .errors import UserError

# CODATA values as scipy.constants holds them: the package's only physical constants
HBAR_JS = _c.hbar                                   # J s
EV_J = _c.e                                         # J (= elementary charge in C)
E_CHARGE = _c.e                                     # C
K_B = _c.k                                          # J/K
K_B_EV = _c.k / _c.e                                # eV/K
MU_B = _c.physical_constants["Bohr magneton"][0]    # J/T = A m^2
ANGSTROM_M = 1e-10                                  # m


def lattice_constant(tb):
    """|a1| in the length unit of ``tb``."""
    import numpy as np
    return float(np.linalg.norm(tb.real_lattice[0]))


def fcim_units(tb, units):
    """(factor, label) converting FCIM f/g_lambda from internal units to ``units``.

    internal: hbar / (E L) per unit area in 2D, hbar / (E L^2) per volume in 3D.
    * ``natural``: hbar = 1, energies in the Hamiltonian's unit, lengths in |a1| (the
      FCIM paper's convention, Sec. III).
    * ``ev-angstrom``: hbar / (eV Angstrom) per area (hbar/(eV Angstrom^2) in 3D).
    * ``si``: M as angular momentum density (J s m^-2 in 2D) per g nabla eps (J m^-1):
      s m^-1 in 2D (s m^-2 in 3D).
    """
    d = tb.dimension
    a = lattice_constant(tb)
    per = "per unit area" if d == 2 else "per unit volume"
    power = 1 if d == 2 else 2
    if units == "natural":
        return a ** power, (f"hbar/({tb.energy_unit} * a{'' if power == 1 else '^2'}) {per}, "
                            f"a = |a1| = {a:g} {tb.length_unit}, hbar = 1")
    physical = tb.energy_unit == "eV" and tb.length_unit == "Angstrom"
    if not physical:
        raise UserError(f"--units {units} needs a Hamiltonian in eV and Angstrom; "
                        f"'{tb.name}' is in {tb.energy_unit}/{tb.length_unit}: use --units natural")
    if units == "ev-angstrom":
        return 1.0, f"hbar/(eV * Angstrom{'' if power == 1 else '^2'}) {per}"
    if units == "si":
        fac = HBAR_JS / (EV_J * ANGSTROM_M ** power)
        return fac, f"s/m{'' if power == 1 else '^2'} {per} (angular momentum density per g*grad(eps))"
    raise UserError(f"unknown units '{units}' (natural, ev-angstrom, si)")


def edelstein_units(tb, units):
    """(factor, label) from the internal Edelstein chi (moment/(E L) per area in 2D,
    moment/(E L^2) in 3D, e = hbar = 1) to ``units``, the moment unit left out.

    * ``natural``: as computed (energy and length of the Hamiltonian).
    * ``si``: d<M>/A per electric field, (moment) nm^-2 per V/m (nm^-3 in 3D): e E in
      eV/Angstrom is 1e-10 E[V/m], and 1/Angstrom^2 = 100/nm^2 (1000/nm^3).
    """
    d = tb.dimension
    per = "per unit area" if d == 2 else "per unit volume"
    if units == "natural":
        return 1.0, (f"/({tb.energy_unit} {tb.length_unit}{'' if d == 2 else '^2'}) {per}, "
                     "e = hbar = 1, times e E gives the moment density")
    if units == "si":
        if tb.energy_unit != "eV" or tb.length_unit != "Angstrom":
            raise UserError(f"--units si needs a Hamiltonian in eV and Angstrom; '{tb.name}' is in "
                            f"{tb.energy_unit}/{tb.length_unit}: use --units natural")
        nm = 1e-9 / ANGSTROM_M
        return ANGSTROM_M * nm ** d, f"nm^-{d} per V/m ({per})"
    raise UserError(f"unknown units '{units}' (natural, si)")
