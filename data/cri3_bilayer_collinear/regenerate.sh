#!/usr/bin/env bash
# Rebuild the bilayer CrI3 (FM layers coupled AFM, collinear, no SOC) Wannier Hamiltonians.
#
# Prerequisite: apt-get install -y quantum-espresso wannier90   (QE 6.7, Wannier90 3.1 on Debian)
# plus python3 with numpy (make_win.py) and w90resp (combine/validate steps).
#
# Usage:  ./regenerate.sh [first_step [last_step]]
#   steps: pseudo scf nscf w90pp pw2wan w90 combine validate
# Environment: NP (MPI ranks, default 2), NK (pools, default 2).  Timings go to timings.txt.
# scf carries max_seconds: a stopped scf is continued with
#   sed -i "s/restart_mode = 'from_scratch'/restart_mode = 'restart'/" scf.in; ./regenerate.sh scf scf
set -euo pipefail
cd "$(dirname "$0")"

# shared: NP/NK/MPI, run_step (timings), run_steps, make_pseudo
source ../pipeline.sh
STEPS=(pseudo scf nscf w90pp pw2wan w90 combine validate)
NSCF_K=${NSCF_K:-4}

step_pseudo() {
    # scalar-relativistic norm-conserving PBE (Troullier-Martins) Cr [Ar]3d5 4s1 (no semicore)
    # and I [Kr]4d10 5s2 5p5 with ld1.x: the monolayer's settings with rel = 1
    make_pseudo pbe-nc Cr I
}

# scf: 4x4x1 k, 50/200 Ry, nspin = 2, layer moments +/- along z, m-v smearing
step_scf()   { ${MPI} pw.x -nk "${NK}" -in scf.in > scf.out || grep -q "JOB DONE" scf.out; }
# nscf: the full NSCF_K x NSCF_K grid, 80 bands per spin
step_nscf()  { python3 ../make_nscf.py "${NSCF_K}" 80 && ${MPI} pw.x -nk "${NK}" -in nscf.in > nscf.out; }
step_w90pp() {
    python3 make_win.py
    wannier90.x -pp CrI3bi_up
    wannier90.x -pp CrI3bi_dn
}
step_pw2wan() {
    ${MPI} pw2wannier90.x -in pw2wan_up.in > pw2wan_up.out
    ${MPI} pw2wannier90.x -in pw2wan_dn.in > pw2wan_dn.out
}
step_w90() {
    local s
    for s in up dn; do
        wannier90.x "CrI3bi_${s}"
        gzip -9 -f "CrI3bi_${s}_tb.dat" "CrI3bi_${s}_wsvec.dat"
        rm -f "CrI3bi_${s}_hr.dat"
    done
}

step_combine()  { python3 combine.py | tee combine.out; }
step_validate() { python3 validate.py | tee validate.out; }

run_steps "$@"
