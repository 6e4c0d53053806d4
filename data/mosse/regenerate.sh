#!/usr/bin/env bash
# Rebuild the monolayer Janus MoSSe Wannier Hamiltonian from scratch.
#
# Prerequisite: apt-get install -y quantum-espresso wannier90   (QE 6.7, Wannier90 3.1 on Debian)
# plus python3 (standard library for extract_dft.py, numpy for validate.py).
#
# Usage:  ./regenerate.sh [first_step [last_step]]
#   steps: pseudo scf nscf w90pp pw2wan bands projwfc extract w90 validate
#   (default: all of them, in this order).  Timings are appended to timings.txt.
# Environment: NP (MPI ranks, default 2), NK (pools, default 2).
set -euo pipefail
cd "$(dirname "$0")"

# shared: NP/NK/MPI, run_step (timings), run_steps, make_pseudo
source ../pipeline.sh
STEPS=(pseudo scf nscf w90pp pw2wan bands projwfc extract w90 validate)

step_pseudo() {
    # Fully relativistic norm-conserving PBE pseudopotentials (Troullier-Martins) with ld1.x.
    make_pseudo rel-pbe-nc Mo S Se
}

step_scf()     { ${MPI} pw.x -nk "${NK}" -in scf.in > scf.out; }
step_nscf()    { ${MPI} pw.x -nk "${NK}" -in nscf.in > nscf.out; }
step_w90pp()   { wannier90.x -pp MoSSe; }
step_pw2wan()  { ${MPI} pw2wannier90.x -in pw2wan.in > pw2wan.out; }
step_w90()     { wannier90.x MoSSe; }
# band energies at Gamma, M, K, K' and two off-grid points, in a separate outdir (tmp_hsp) holding
# a copy of the scf charge density, then projections onto atomic states for the label check
step_bands() {
    mkdir -p tmp_hsp/MoSSe.save
    cp tmp/MoSSe.save/charge-density.dat tmp/MoSSe.save/data-file-schema.xml tmp/MoSSe.save/*.UPF \
        tmp_hsp/MoSSe.save/
    ${MPI} pw.x -nk "${NK}" -in bands_hsp.in > bands_hsp.out
}
step_projwfc() { ${MPI} projwfc.x -nk "${NK}" -in projwfc.in > projwfc.out; }
step_extract() { python3 extract_dft.py; }
step_validate() { python3 validate.py | tee validate.out; }

run_steps "$@"
