"""Per-Wannier-function metadata: atom, position, shell, real orbital, spin."""
from dataclasses import dataclass, field

import numpy as np

from .operators import ORBITAL_ORDER

SPINS = ("up", "down", "none")


@dataclass
class Orbital:
    """One Wannier function / tight-binding orbital.

    site : index of the atom it sits on (0-based, in the structure's atom list)
    species : chemical symbol or label of that atom (e.g. 'Mo')
    position : Cartesian centre (same length unit as the lattice)
    shell : 's', 'p' or 'd'
    orbital : real orbital name in Wannier90 convention ('pz', 'dx2-y2', ...)
    spin : 'up', 'down' or 'none' (spinless)
    """
    site: int
    species: str
    position: np.ndarray = field(repr=False)
    shell: str
    orbital: str
    spin: str = "none"

    def __post_init__(self):
        self.position = np.asarray(self.position, dtype=float).reshape(3)
        if self.shell not in ORBITAL_ORDER:
            raise ValueError(f"unknown shell '{self.shell}' (s, p, d supported)")
        if self.orbital not in ORBITAL_ORDER[self.shell]:
            raise ValueError(f"orbital '{self.orbital}' is not in shell '{self.shell}'")
        if self.spin not in SPINS:
            raise ValueError(f"spin must be one of {SPINS}, got '{self.spin}'")

    @property
    def label(self):
        s = "" if self.spin == "none" else ("↑" if self.spin == "up" else "↓")
        return f"{self.species}{self.site}:{self.orbital}{s}"


def expand_shells(sites, spinors=False, spin_order="interlaced"):
    """Orbitals for a list of (site, species, position, [shells]) in Wannier90 order.

    Wannier90 orders projections by the order of the projection lines (site by site),
    then orbitals within each shell (``ORBITAL_ORDER``); with spinors the spin index is
    either interlaced (up, down per orbital; Wannier90 >= 2 / QE) or in two blocks
    (all up, then all down).
    """
    base = []
    for site, species, position, shells in sites:
        for shell in shells:
            for orb in ORBITAL_ORDER[shell]:
                base.append((site, species, position, shell, orb))
    if not spinors:
        return [Orbital(*b, spin="none") for b in base]
    if spin_order == "interlaced":
        return [Orbital(*b, spin=s) for b in base for s in ("up", "down")]
    if spin_order == "block":
        return [Orbital(*b, spin=s) for s in ("up", "down") for b in base]
    raise ValueError(f"spin_order must be 'interlaced' or 'block', got '{spin_order}'")
