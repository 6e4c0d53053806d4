"""Write CrI3bi_up.win and CrI3bi_dn.win: win_head.txt + cell and atoms from scf.in + energy
windows from each spin channel's nscf eigenvalues + kpoints.win (from ../make_nscf.py).

Per spin channel, bands 1-12 (I 5s) are excluded; bands 13-68 (I 5p + Cr 3d, 56 = num_wann)
form the target group.  If it is separated from band 69 at every k, no disentanglement is
used; otherwise the frozen window ends 0.1 eV below the lowest band 69 and the outer window
takes bands 13-80.  Prints the band edges it used.
"""
import re

import numpy as np


def nscf_bands(fname="nscf.out"):
    """Eigenvalues (eV) of a collinear nspin=2 pw.x run: {'up': (nk, nbnd), 'dn': ...}."""
    text = open(fname).read()
    nbnd = int(re.search(r"number of Kohn-Sham states=\s*(\d+)", text).group(1))
    text = text[text.rindex("End of band structure calculation"):]
    up, dn = text.split("SPIN DOWN")
    out = {}
    for name, part in (("up", up), ("dn", dn)):
        blocks = re.split(r"\n\s+k =.*?bands \(ev\):\s*\n", part)[1:]
        out[name] = np.array([[float(x) for x in re.findall(r"-?\d+\.\d+", b)[:nbnd]]
                              for b in blocks])
    return out


def cell_and_atoms(fname="scf.in"):
    text = open(fname).read()
    a = float(re.search(r"\bA\s*=\s*([\d.]+)", text).group(1))
    c = float(re.search(r"\bC\s*=\s*([\d.]+)", text).group(1))
    cell = (f"begin unit_cell_cart\nang\n  {a:.10f} 0.0 0.0\n  {-a / 2:.10f} {a * 3 ** 0.5 / 2:.10f} 0.0\n"
            f"  0.0 0.0 {c:.10f}\nend unit_cell_cart\n")
    pos = text.split("ATOMIC_POSITIONS crystal")[1].split("K_POINTS")[0].split("\n")
    rows = [ln.split() for ln in pos if ln.strip()]
    atoms = "".join(f"{re.sub(r'[0-9]', '', r[0])} {r[1]} {r[2]} {r[3]}\n" for r in rows)
    return cell + "begin atoms_frac\n" + atoms + "end atoms_frac\n"


def main():
    bands = nscf_bands()
    efermi = float(re.findall(r"the Fermi energy is\s+(-?\d+\.\d+)", open("nscf.out").read())[-1])
    geometry = cell_and_atoms()
    for spin, E in bands.items():
        print(f"spin {spin}: {len(E)} k-points, E_F = {efermi:.4f} eV; band 12 max {E[:, 11].max():.3f}, "
              f"band 13 min {E[:, 12].min():.3f}, band 68 max {E[:, 67].max():.3f}, "
              f"band 69 min {E[:, 68].min():.3f}")
        head = open("win_head.txt").read()
        if E[:, 67].max() < E[:, 68].min() - 0.05:
            win = "! isolated group: no disentanglement\n"
            head = head.replace("num_bands = 68\nexclude_bands = 1-12",
                                f"num_bands = 56\nexclude_bands = 1-12, 69-{E.shape[1]}")
        else:
            froz_max = E[:, 68].min() - 0.1
            win = (f"dis_win_min  = {E[:, 12].min() - 0.5:.3f}\ndis_win_max  = {E[:, -1].min():.3f}\n"
                   f"dis_froz_min = {E[:, 12].min() - 0.5:.3f}\ndis_froz_max = {froz_max:.3f}\n")
        head = head.replace("DIS_WINDOWS\n", win)
        head += f"fermi_energy = {efermi:.4f}\n" + geometry
        with open(f"CrI3bi_{spin}.win", "w") as fh:
            fh.write(head + open("kpoints.win").read())
        print(win)


if __name__ == "__main__":
    main()
