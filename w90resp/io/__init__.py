"""Reading and writing Wannier90 files (``_hr.dat``, ``_tb.dat``, ``.win``, centres)."""
from .win import (Win, Projection, read_win, write_win, orbitals_from_win, orbitals_from_spec,
                  parse_orbital_spec)
from .wannier90 import (HRData, TBData, read_hr, read_tb, read_centres_xyz, read_wt_centres,
                        write_hr, write_tb, write_centres_xyz, spin_order_from_centres,
                        detect_periodic, load_wannier90)

__all__ = [
    "Win", "Projection", "read_win", "write_win", "orbitals_from_win", "orbitals_from_spec",
    "parse_orbital_spec", "HRData", "TBData", "read_hr", "read_tb", "read_centres_xyz",
    "read_wt_centres", "write_hr", "write_tb", "write_centres_xyz", "spin_order_from_centres",
    "detect_periodic", "load_wannier90",
]
