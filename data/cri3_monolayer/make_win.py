"""Write CrI3.win: win_head.txt + energy windows chosen from the nscf eigenvalues + kpoints.win.

Bands 1-12 (I 5s) are excluded; bands 13-68 (I 5p + Cr 3d, 56 = num_wann) form the target
group.  If it is separated from band 69 at every k, no disentanglement is used
(num_bands = 56); otherwise the frozen window ends 0.1 eV below the lowest band 69 and the
outer window takes bands 13-80.  Prints the band edges it used.
"""
import re

import numpy as np


def nscf_bands(fname="nscf.out", nbnd=80):
    text = open(fname).read()
    blocks = re.split(r"\n\s+k =.*?bands \(ev\):\s*\n", text)[1:]
    out = []
    for b in blocks:
        vals = []
        for tok in re.findall(r"-?\d+\.\d+", b):
            vals.append(float(tok))
            if len(vals) == nbnd:
                break
        out.append(vals)
    return np.array(out)


E = nscf_bands()
efermi = float(re.findall(r"the Fermi energy is\s+(-?\d+\.\d+)", open("nscf.out").read())[-1])
print(f"{len(E)} k-points, E_F = {efermi:.4f} eV")
print(f"band 12 max {E[:, 11].max():.3f}, band 13 min {E[:, 12].min():.3f}, band 68 max "
      f"{E[:, 67].max():.3f}, band 69 min {E[:, 68].min():.3f}")
head = open("win_head.txt").read()
if E[:, 67].max() < E[:, 68].min() - 0.05:
    win = ("! isolated group: no disentanglement\n")
    head = head.replace("num_bands = 68\nexclude_bands = 1-12", "num_bands = 56\nexclude_bands = 1-12, 69-80")
else:
    froz_max = E[:, 68].min() - 0.1
    win = (f"dis_win_min  = {E[:, 12].min() - 0.5:.3f}\ndis_win_max  = {E[:, 79].min() + 0.0:.3f}\n"
           f"dis_froz_min = {E[:, 12].min() - 0.5:.3f}\ndis_froz_max = {froz_max:.3f}\n")
head = head.replace("DIS_WINDOWS\n", win)
head += f"fermi_energy = {efermi:.4f}\n"
open("CrI3.win", "w").write(head + open("kpoints.win").read())
print(win)
