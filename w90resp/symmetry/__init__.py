"""Point-group symmetry of the responses: which components may be nonzero.

* :func:`point_group_from_symbol`, :func:`point_group_from_structure`,
  :func:`point_group_from_cell` give a :class:`PointGroup` (Cartesian operations, each
  with a time-reversal flag, HM and Schoenflies symbols).
* :func:`allowed_components` and :func:`analyse` apply Neumann's principle with the
  parities of :data:`RESPONSES`; :func:`check_tensor` checks computed tensors.
* :func:`symmetrize_hamiltonian` projects a Wannier Hamiltonian onto its space group
  (+ time reversal) and reports the size of the removed symmetry-breaking part.

Conventions: FCIM tensors are indexed [α][β][λ] (magnetization, gradient, quadrupole) with
λ = (x²−y², 3z²−r², xy, yz, xz) as in Koyama, Koretsune & Hattori, Eqs. (6)–(7);
``relations`` use the paper's per-strain responses f^λ, ``relations_Q`` the Q-basis
responses F^λ = f^λ / (s_λ g), s = (1, 1, 2, 2, 2) (see :func:`analyse`).
"""
from .check import SymmetryReport, SymmetryViolation, check_tensor
from .neumann import (LAMBDA_LABELS, RESPONSES, STRAIN_SCALE, Analysis, Relation,
                      allowed_components, analyse, quadrupole_representation)
from .pointgroups import (ALL_HM, HM_TO_SCHOENFLIES, PointGroup, all_point_groups,
                          point_group_from_symbol)
from .structure import point_group_from_cell, point_group_from_structure
from .hamiltonian import symmetrize_hamiltonian

__all__ = [
    "ALL_HM", "Analysis", "HM_TO_SCHOENFLIES", "LAMBDA_LABELS", "PointGroup", "RESPONSES",
    "Relation", "STRAIN_SCALE", "SymmetryReport", "SymmetryViolation", "all_point_groups",
    "allowed_components", "analyse", "check_tensor", "point_group_from_cell",
    "point_group_from_structure", "point_group_from_symbol", "quadrupole_representation",
    "symmetrize_hamiltonian",
]
