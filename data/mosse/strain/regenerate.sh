#!/usr/bin/env bash
# Strained MoSSe: the QE + Wannier90 chain of ../regenerate.sh on one homogeneously strained cell.
#
# Usage:  ./regenerate.sh LABEL [first_step [last_step]]
#   LABEL: a folder written by make_inputs.py, e.g. xx_+0.005 (python3 make_inputs.py xx 0.005)
#   steps: scf nscf w90pp pw2wan w90 bands extract compress   (default: all, in this order)
#   compress gzips MoSSe_hr/_tb/_wsvec.dat (w90resp reads the .gz files directly)
# Needs ../pseudo/*.UPF (../regenerate.sh pseudo).  Timings go to LABEL/timings.txt.
# Environment: NP, NK as in ../../pipeline.sh; MAX_SECONDS is read by make_inputs.py.
# A pw.x step stopped by max_seconds exits with an error here; rerun the same step after
# setting restart_mode = 'restart' in its input (pw.x resumes from LABEL/tmp).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
LABEL=${1:?usage: regenerate.sh LABEL [first [last]]}
shift
[[ -f "${HERE}/${LABEL}/scf.in" ]] || { echo "regenerate.sh: ${HERE}/${LABEL}/scf.in missing (run make_inputs.py)" >&2; exit 2; }
cd "${HERE}/${LABEL}"

source "${HERE}/../../pipeline.sh"
STEPS=(scf nscf w90pp pw2wan w90 bands extract compress)

pw_checked() {  # pw_checked IN OUT: pw.x, failing if it stopped on max_seconds
    ${MPI} pw.x -nk "${NK}" -in "$1" > "$2"
    if grep -q "Maximum CPU time exceeded" "$2"; then
        echo "regenerate.sh: $1 stopped at max_seconds; set restart_mode = 'restart' and rerun" >&2
        return 3
    fi
}
step_scf()    { pw_checked scf.in scf.out; }
step_nscf()   { pw_checked nscf.in nscf.out; }
step_w90pp()  { wannier90.x -pp MoSSe; }
step_pw2wan() { ${MPI} pw2wannier90.x -in pw2wan.in > pw2wan.out; }
step_w90()    { wannier90.x MoSSe; }
step_bands() {
    mkdir -p tmp_hsp/MoSSe.save
    cp tmp/MoSSe.save/charge-density.dat tmp/MoSSe.save/data-file-schema.xml tmp/MoSSe.save/*.UPF \
        tmp_hsp/MoSSe.save/
    pw_checked bands_hsp.in bands_hsp.out
}
step_extract() { python3 "${HERE}/extract_strained.py" .; }
step_compress() { gzip -9 -f MoSSe_hr.dat MoSSe_tb.dat MoSSe_wsvec.dat; }

run_steps "$@"
