#!/usr/bin/env bash
# Infrastructure failures are ERROR, never FAIL: a QEMU that will not start,
# a QEMU that dies at once.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
plan 6

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
done_testing
