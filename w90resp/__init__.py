"""w90resp: magnetization responses of Wannier and tight-binding Hamiltonians.

Response families (one module each in :mod:`w90resp.responses`):

* FCIM -- flexocurrent-induced magnetization (strain-gradient driven magnetization),
* spin MQM family -- spin magnetic quadrupole moment, spin ME and gravito-ME,
* orbital ME family -- intrinsic orbital ME / magnetothermal responses and pumped
  orbital magnetization.

Operators (L, S, Q in Wannier90 real-orbital order) live in :mod:`w90resp.operators`,
Wannier90 readers in :mod:`w90resp.io`, built-in models in :mod:`w90resp.models`, point
group analysis in :mod:`w90resp.symmetry`.
"""

__version__ = "0.1.0"
