"""Write nscf.in (full NxNx1 grid, no symmetry, NBND bands) and kpoints.win from scf.in.

Run in a data set's folder:  python3 ../make_nscf.py N [NBND]
"""
import re
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 4
NBND = int(sys.argv[2]) if len(sys.argv) > 2 else 80
text = open("scf.in").read()
text = text.replace("calculation = 'scf'", "calculation = 'nscf'")
text = re.sub(r"max_seconds = \d+", "max_seconds = 10000", text)
text = re.sub(r"nbnd = \d+", f"nosym = .true., noinv = .true.,\n  nbnd = {NBND}", text)
text = text[: text.index("K_POINTS")]
kpts = [(i / N, j / N, 0.0) for i in range(N) for j in range(N)]
text += f"K_POINTS crystal\n{len(kpts)}\n"
text += "".join(f"  {a:.8f} {b:.8f} {c:.8f} {1 / len(kpts):.8e}\n" for a, b, c in kpts)
open("nscf.in", "w").write(text)
with open("kpoints.win", "w") as fh:
    fh.write(f"mp_grid = {N} {N} 1\nbegin kpoints\n")
    fh.write("".join(f"  {a:.8f} {b:.8f} {c:.8f}\n" for a, b, c in kpts))
    fh.write("end kpoints\n")
