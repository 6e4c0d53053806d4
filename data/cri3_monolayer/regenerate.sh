#!/usr/bin/env bash
# Rebuild the monolayer CrI3 (FM, SOC) Wannier Hamiltonian from scratch.
#
# Prerequisite: apt-get install -y quantum-espresso wannier90   (QE 6.7, Wannier90 3.1 on Debian)
# plus python3 with numpy (make_nscf.py, make_win.py) and w90resp (validate.py).
#
# Usage:  ./regenerate.sh [first_step [last_step]]
#   steps: pseudo scf nscf w90pp pw2wan w90 validate
# Environment: NP (MPI ranks, default 2), NK (pools, default 2).  Timings go to timings.txt.
# scf and nscf carry max_seconds: a stopped scf is continued with
#   sed -i "s/restart_mode = 'from_scratch'/restart_mode = 'restart'/" scf.in; ./regenerate.sh scf scf
set -euo pipefail
cd "$(dirname "$0")"

# shared: NP/NK/MPI, run_step (timings), run_steps, make_pseudo
source ../pipeline.sh
STEPS=(pseudo scf nscf w90pp pw2wan w90 validate)

step_pseudo() {
    # fully relativistic norm-conserving PBE (Troullier-Martins) Cr [Ar]3d5 4s1 (no semicore)
    # and I [Kr]4d10 5s2 5p5 with ld1.x
    make_pseudo rel-pbe-nc Cr I
}

# scf: 4x4x1 k, 50/200 Ry, noncollinear + SOC, start moment along z on Cr, m-v smearing
step_scf()      { ${MPI} pw.x -nk "${NK}" -in scf.in > scf.out || grep -q "JOB DONE" scf.out; }
step_nscf()     { python3 ../make_nscf.py 4 && ${MPI} pw.x -nk "${NK}" -in nscf.in > nscf.out; }
step_w90pp()    { python3 make_win.py && wannier90.x -pp CrI3; }
step_pw2wan()   { ${MPI} pw2wannier90.x -in pw2wan.in > pw2wan.out; }
step_w90()      { wannier90.x CrI3 && gzip -9 -f CrI3_tb.dat CrI3_wsvec.dat && rm -f CrI3_hr.dat; }
step_validate() { python3 validate.py | tee validate.out; }

run_steps "$@"
