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

NP=${NP:-2}
NK=${NK:-2}
export OMP_NUM_THREADS=1
MPI="mpirun --allow-run-as-root -np ${NP}"
STEPS=(pseudo scf nscf w90pp pw2wan w90 validate)
FIRST=${1:-pseudo}
LAST=${2:-validate}

run_step() {
    local name=$1 t0 t1
    t0=$(date +%s)
    echo "[$(date -u +%H:%M:%S)] step ${name} ..."
    "step_${name}"
    t1=$(date +%s)
    printf '%-9s %6d s   (%s UTC, NP=%s NK=%s, %s)\n' "${name}" $((t1 - t0)) \
        "$(date -u +%Y-%m-%dT%H:%M)" "${NP}" "${NK}" "$(nproc --all) cores" >> timings.txt
}

step_pseudo() {
    # fully relativistic norm-conserving PBE (Troullier-Martins) Cr [Ar]3d5 4s1 (no semicore)
    # and I [Kr]4d10 5s2 5p5 with ld1.x; long numeric lines re-wrapped for pw.x 6.7
    (
        cd pseudo
        for el in Cr I; do
            ld1.x < "${el}.ld1.in" > "${el}.ld1.out"
            raw="${el}.rel-pbe-nc.UPF"
            awk -f wrap_long_lines.awk "${raw}" > "${raw}.tmp" && mv "${raw}.tmp" "${raw}"
        done
        rm -f ld1.wfc ld1ps.wfc ld1.test vx.pot
    )
}

# scf: 4x4x1 k, 50/200 Ry, noncollinear + SOC, start moment along z on Cr, m-v smearing
step_scf()      { ${MPI} pw.x -nk "${NK}" -in scf.in > scf.out || grep -q "JOB DONE" scf.out; }
step_nscf()     { python3 make_nscf.py 4 && ${MPI} pw.x -nk "${NK}" -in nscf.in > nscf.out; }
step_w90pp()    { python3 make_win.py && wannier90.x -pp CrI3; }
step_pw2wan()   { ${MPI} pw2wannier90.x -in pw2wan.in > pw2wan.out; }
step_w90()      { wannier90.x CrI3 && gzip -9 -f CrI3_tb.dat CrI3_wsvec.dat && rm -f CrI3_hr.dat; }
step_validate() { python3 validate.py | tee validate.out; }

active=0
for s in "${STEPS[@]}"; do
    [[ "$s" == "$FIRST" ]] && active=1
    if (( active )); then run_step "$s"; fi
    [[ "$s" == "$LAST" ]] && break
done
