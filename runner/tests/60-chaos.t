#!/usr/bin/env bash
# The chaos kernel: built from linux-source-6.1 (cold: about 8 min on 2
# cores, then cached), it boots the smoke suite, its detectors turn real bugs
# into KASAN and LOCKDEP verdicts, the kernel's own hmm-tests run with
# test_hmm.ko, and the hpchaos module's own tests pass on it.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"

declare -A want=(
	[boot-idle]="PASS *"
	[dimm-hotplug]="PASS *"
	[report-kasan]="FAIL KASAN KASAN: use-after-free in hpc_trigger_uaf"
	[report-lockdep]="FAIL LOCKDEP *"
	[hmm-selftest]="PASS *"
	[mirror-selftest]="PASS *"
)
plan $((${#want[@]} + 1))

hpc run --kernel chaos --results "$T_RESULTS" --heartbeat 120 "${!want[@]}"
diag "$T_OUT"
is "$T_RC" 1 "exit status 1 (there are FAILs)"
check_verdicts want
done_testing
