#!/usr/bin/env python3
"""Extract small text tables from the pw.x / projwfc.x outputs (standard library only).

Writes
  dft_bands_nscf.dat : pw.x eigenvalues (eV) on the uniform nscf grid, k in crystal units
  dft_bands_hsp.dat  : pw.x eigenvalues (eV) at Gamma, M, K, K' and two off-grid points
  projwfc_K.txt      : projwfc.x state list and the projections of the band-edge states at K and K'

Usage: python3 extract_dft.py   (run inside data/mosse after regenerate.sh has run pw.x/projwfc.x)
"""
import re

FLOAT = re.compile(r"-?\d+\.\d+")


def read_kpoints_from_input(fname):
    lines = open(fname).read().splitlines()
    for i, line in enumerate(lines):
        if line.strip().upper().startswith("K_POINTS"):
            nk = int(lines[i + 1].split()[0])
            return [tuple(float(x) for x in lines[i + 2 + j].split()[:3]) for j in range(nk)]
    raise RuntimeError("no K_POINTS card in " + fname)


def read_bands_from_output(fname, nbnd):
    text = open(fname).read()
    # only the final band listing (after "End of band structure calculation")
    tail = text.split("End of band structure calculation")[-1]
    blocks = re.split(r"\n\s+k =.*bands \(ev\):\s*\n", tail)[1:]
    bands = []
    for b in blocks:
        vals = []
        for line in b.splitlines():
            if "occupation numbers" in line or "Fermi" in line or "highest" in line or "Writing" in line:
                break
            vals.extend(float(x) for x in FLOAT.findall(line))
            if len(vals) >= nbnd:
                break
        bands.append(vals[:nbnd])
    m = re.search(r"the Fermi energy is\s+(-?\d+\.\d+)", text)
    ef = float(m.group(1)) if m else None
    return bands, ef


def nbnd_of(fname):
    m = re.search(r"nbnd\s*=\s*(\d+)", open(fname).read())
    return int(m.group(1))


def write_bands(outname, kpts, bands, ef, labels=None, comment=""):
    with open(outname, "w") as f:
        f.write("# pw.x eigenvalues in eV (absolute, as printed by pw.x); spinor bands, each listed once\n")
        if comment:
            f.write("# " + comment + "\n")
        if ef is not None:
            f.write("# Fermi energy of the nscf run (eV): %.4f\n" % ef)
        f.write("# nk = %d  nbnd = %d\n" % (len(kpts), len(bands[0])))
        f.write("# columns: %sk1 k2 k3 (crystal, reciprocal-lattice units) then E_1 ... E_nbnd\n"
                % ("label " if labels else ""))
        for i, (k, e) in enumerate(zip(kpts, bands)):
            head = (labels[i] + " ") if labels else ""
            f.write(head + "%.10f %.10f %.10f " % k + " ".join("%.4f" % x for x in e) + "\n")


def extract_projwfc(fname, kidx_labels, band_list, outname):
    text = open(fname).read().splitlines()
    states = [l for l in text if l.strip().startswith("state #")]
    # k blocks start with " k =   ..."
    kstarts = [i for i, l in enumerate(text) if re.match(r"^\s*k =\s+-?\d", l)]
    with open(outname, "w") as f:
        f.write("# projwfc.x (Lowdin-orthogonalised atomic wavefunctions, |l j m_j> basis for the\n")
        f.write("# spin-orbit pseudopotentials) on the pw.x 'bands' run of bands_hsp.in.\n")
        f.write("# Atomic state list:\n")
        for s in states:
            f.write("#   " + s.strip() + "\n")
        for ik, label in kidx_labels:
            start = kstarts[ik]
            stop = kstarts[ik + 1] if ik + 1 < len(kstarts) else len(text)
            f.write("\nKPOINT %s %s\n" % (label, text[start].strip()))
            block = text[start:stop]
            cur = None
            for l in block:
                m = re.match(r"^==== e\(\s*(\d+)\) =\s+(-?\d+\.\d+) eV", l.strip())
                if m:
                    cur = int(m.group(1))
                    if cur in band_list:
                        f.write("BAND %d E= %s eV\n" % (cur, m.group(2)))
                    continue
                if cur in band_list and l.strip():
                    f.write("  " + l.strip() + "\n")
    return len(states)


if __name__ == "__main__":
    kn = read_kpoints_from_input("nscf.in")
    bn, ef = read_bands_from_output("nscf.out", nbnd_of("nscf.in"))
    assert len(bn) == len(kn), (len(bn), len(kn))
    write_bands("dft_bands_nscf.dat", kn, bn, ef, comment="uniform grid of nscf.in, same order as MoSSe.win")

    kh = read_kpoints_from_input("bands_hsp.in")
    bh, _ = read_bands_from_output("bands_hsp.out", nbnd_of("bands_hsp.in"))
    labels = ["G", "M", "K", "Kp", "GK_half", "MK_half"]
    write_bands("dft_bands_hsp.dat", kh, bh, ef, labels=labels,
                comment="Fermi energy below is copied from the nscf run")
    # band edges: 18 valence electrons -> bands 17,18 (VB top pair), 19,20 (CB bottom pair)
    extract_projwfc("projwfc.out", [(2, "K"), (3, "Kp")], [15, 16, 17, 18, 19, 20, 21, 22], "projwfc_K.txt")
    print("wrote dft_bands_nscf.dat dft_bands_hsp.dat projwfc_K.txt")
