#!/usr/bin/env python3
"""Small eigenvalue tables of one strained run (the functions of ../extract_dft.py).

Usage: python3 extract_strained.py FOLDER   (FOLDER holds nscf.out and bands_hsp.out)
Writes FOLDER/dft_bands_nscf.dat and FOLDER/dft_bands_hsp.dat, same layout as ../dft_bands_*.dat.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from extract_dft import nbnd_of, read_bands_from_output, read_kpoints_from_input, write_bands  # noqa: E402


def main(folder):
    os.chdir(folder)
    kn = read_kpoints_from_input("nscf.in")
    bn, ef = read_bands_from_output("nscf.out", nbnd_of("nscf.in"))
    if len(bn) != len(kn):
        sys.exit("extract_strained.py: %s/nscf.out has %d k points, nscf.in %d" % (folder, len(bn), len(kn)))
    write_bands("dft_bands_nscf.dat", kn, bn, ef, comment="strained cell, uniform grid of nscf.in")
    kh = read_kpoints_from_input("bands_hsp.in")
    bh, _ = read_bands_from_output("bands_hsp.out", nbnd_of("bands_hsp.in"))
    write_bands("dft_bands_hsp.dat", kh, bh, ef, labels=["G", "M", "K", "Kp", "GK_half", "MK_half"],
                comment="strained cell; Fermi energy below is copied from the nscf run")
    print("wrote dft_bands_nscf.dat dft_bands_hsp.dat in", folder)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
