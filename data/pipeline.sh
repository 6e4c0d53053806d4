# Shared pieces of the data sets' regenerate.sh scripts (sourced, not run).
# Each script defines STEPS=(...) and step_<name> functions, then calls run_steps "$@".
# Environment: NP (MPI ranks, default 2), NK (pools, default 2).  Timings go to timings.txt.

DATA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NP=${NP:-2}
NK=${NK:-2}
export OMP_NUM_THREADS=1
MPI="mpirun --allow-run-as-root -np ${NP}"

run_step() {
    local name=$1 t0 t1
    t0=$(date +%s)
    echo "[$(date -u +%H:%M:%S)] step ${name} ..."
    "step_${name}"
    t1=$(date +%s)
    printf '%-9s %6d s   (%s UTC, NP=%s NK=%s, %s)\n' "${name}" $((t1 - t0)) \
        "$(date -u +%Y-%m-%dT%H:%M)" "${NP}" "${NK}" "$(nproc --all) cores" >> timings.txt
}

# run_steps [first [last]]: the steps of STEPS from first to last, in order
run_steps() {
    local first=${1:-${STEPS[0]}} last=${2:-${STEPS[-1]}} go=0 s
    for s in "${STEPS[@]}"; do
        [[ "${s}" == "${first}" ]] && go=1
        if [[ ${go} == 1 ]]; then run_step "${s}"; fi
        [[ "${s}" == "${last}" ]] && break
    done
}

# make_pseudo SUFFIX EL...: ld1.x on pseudo/EL.ld1.in writing EL.SUFFIX.UPF, then every
# long numeric line re-wrapped (pw.x 6.7 can fail to read ld1.x 6.7's single-line blocks)
make_pseudo() {
    local suffix=$1 el raw
    shift
    (
        cd pseudo
        for el in "$@"; do
            ld1.x < "${el}.ld1.in" > "${el}.ld1.out"
            raw="${el}.${suffix}.UPF"
            awk -f "${DATA_DIR}/wrap_long_lines.awk" "${raw}" > "${raw}.tmp" && mv "${raw}.tmp" "${raw}"
        done
        rm -f ld1.wfc ld1ps.wfc ld1.test vx.pot
    )
}
