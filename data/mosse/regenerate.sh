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

NP=${NP:-2}
NK=${NK:-2}
export OMP_NUM_THREADS=1
MPI="mpirun --allow-run-as-root -np ${NP}"
STEPS=(pseudo scf nscf w90pp pw2wan bands projwfc extract w90 validate)
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
    # Fully relativistic norm-conserving PBE pseudopotentials (Troullier-Martins) with ld1.x.
    # ld1.x 6.7 writes PP_DIJ (and other numeric blocks) as single long lines; pw.x 6.7 can
    # fail to read very long lines back, so every long numeric line is re-wrapped.
    (
        cd pseudo
        for el in Mo S Se; do
            ld1.x < "${el}.ld1.in" > "${el}.ld1.out"
            raw="${el}.rel-pbe-nc.UPF"
            awk -f wrap_long_lines.awk "${raw}" > "${raw}.tmp" && mv "${raw}.tmp" "${raw}"
        done
        rm -f ld1.wfc ld1ps.wfc ld1.test vx.pot
    )
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

go=0
for s in "${STEPS[@]}"; do
    [[ "${s}" == "${FIRST}" ]] && go=1
    if [[ ${go} == 1 ]]; then run_step "${s}"; fi
    [[ "${s}" == "${LAST}" ]] && break
done
