#!/usr/bin/env bash
# Infrastructure failures are ERROR, never FAIL: a QEMU that will not start,
# a QEMU that dies at once, a QEMU that aborts mid-run.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
plan 9

HPC_QEMU=false hpc run --results "$T_RESULTS" boot-idle
diag "$T_OUT"
is "$T_RC" 1 "QEMU that exits at once: exit status 1"
v=$(echo "$(latest)"/*-boot-idle/verdict.json)
is "$(json "$v" .verdict)" ERROR "QEMU that exits at once: ERROR"
like "$(json "$v" .reason)" "*exited before connecting*" "the reason says what happened"

# A QEMU binary that does not exist at all.
HPC_QEMU=/nonexistent/qemu hpc run --results "$T_RESULTS/b" boot-idle
is "$T_RC" 1 "missing QEMU binary: exit status 1"
v=$(echo "$(readlink -f "$T_RESULTS/b/latest" || true)"/*-boot-idle/verdict.json)
is "$(json "$v" .verdict 2>/dev/null || echo none)" ERROR "missing QEMU binary: ERROR"
is "$(json "$T_RESULTS/b/latest/summary.json" .counts.FAIL 2>/dev/null || echo none)" 0 "and no FAIL counted"

# QEMU dies of an assertion in the middle of a run (ivshmem re-realize).
hpc run --results "$T_RESULTS/c" qemu-abort
v=$(echo "$(readlink -f "$T_RESULTS/c/latest" || true)"/*-qemu-abort/verdict.json)
is "$(json "$v" .verdict)" ERROR "QEMU that aborts mid-run: ERROR, not FAIL CRASH"
like "$(json "$v" .reason)" "QEMU died of signal 6: *Assertion*" "the reason names the signal and QEMU's message"
is "$(qemu_count)" 0 "no QEMU left"
done_testing
