"""The Fermi level of the DFT run: from a ``.win``, a Quantum ESPRESSO output, a VASP
OUTCAR or a Wannier90 ``.wout`` (all in eV)."""
import re

from ..errors import InputFileError
from ._text import read_lines, parse_float

_PATTERNS = [
    # Quantum ESPRESSO pw.x (smearing / tetrahedra)
    (re.compile(r"the Fermi energy is\s+(\S+)\s+ev", re.I), "Quantum ESPRESSO Fermi energy"),
    # Quantum ESPRESSO fixed occupations: highest occupied (, lowest unoccupied) level
    (re.compile(r"highest occupied, lowest unoccupied level \(ev\):\s+(\S+)\s+(\S+)", re.I),
     "midpoint of QE's highest occupied and lowest unoccupied levels"),
    (re.compile(r"highest occupied level \(ev\):\s+(\S+)", re.I), "QE highest occupied level"),
    # VASP OUTCAR
    (re.compile(r"E-fermi\s*:\s*(\S+)"), "VASP E-fermi"),
    # Wannier90 .wout echo of fermi_energy
    (re.compile(r"Fermi energy \(eV\)\s*:\s*(\S+)", re.I), "Wannier90 .wout Fermi energy"),
]


def fermi_from_file(path):
    """(E_F in eV, description) from the last Fermi-level line of a DFT / Wannier90 output.

    A ``.win`` is read for its ``fermi_energy`` keyword.  Spin-polarized QE runs with two
    Fermi energies are refused (no single E_F).  Raises InputFileError naming the file.
    """
    path = str(path)
    if path.endswith(".win"):
        from .win import read_win
        win = read_win(path)
        ef = win_fermi_energy(win)
        if ef is None:
            raise InputFileError(path, "no fermi_energy keyword")
        return ef, f"fermi_energy in {path}"
    lines = read_lines(path)
    found = None
    for no, text in enumerate(lines, start=1):
        if re.search(r"the spin up/dw Fermi energies are", text, re.I):
            raise InputFileError(path, "two Fermi energies (spin up/down, fixed magnetization): "
                                       "give --fermi-energy explicitly", no)
        for pat, what in _PATTERNS:
            m = pat.search(text)
            if m:
                vals = [parse_float(path, g.replace("D", "E").replace("d", "e"), no, what)
                        for g in m.groups()]
                found = (sum(vals) / len(vals), f"{what} ({path}, line {no})")
                break
    if found is None:
        raise InputFileError(path, "no Fermi level found (looked for QE's 'the Fermi energy is', "
                                   "'highest occupied ... level', VASP's 'E-fermi', Wannier90's "
                                   "'Fermi energy (eV)')")
    return found


def win_fermi_energy(win):
    """``fermi_energy`` of a parsed .win in eV, or None (``energy_unit`` eV only)."""
    kw = win.keywords.get("fermi_energy")
    if kw is None:
        return None
    value, no = kw
    unit = win.keywords.get("energy_unit", ("ev", None))[0].strip().lower()
    if unit not in ("ev", ""):
        raise InputFileError(win.path, f"energy_unit = {unit}: only eV is supported", no)
    return parse_float(win.path, value.replace("D", "E").replace("d", "e"), no, "fermi_energy")
