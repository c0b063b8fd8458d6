#!/usr/bin/env bash
# Real kernel reports, provoked in real guests by the hpchaos_trigger
# module, come back with the right class and canonical title.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"

declare -A want=(
	[report-warn]="FAIL WARN WARNING in hpc_trigger_warn"
	[report-stuck]="FAIL TIMEOUT TIMEOUT: step trigger stuck in hpc_trigger_hung"
	[report-bug]="FAIL CRASH kernel BUG in hpc_trigger_bug"
	[report-null]="FAIL CRASH BUG: kernel NULL pointer dereference in hpc_trigger_null"
	[report-badpage]="FAIL CRASH BUG: Bad page state"
	[report-atomic-sleep]="FAIL LOCKDEP BUG: scheduling while atomic in hpc_trigger_atomic_sleep"
	[report-hung]="FAIL HANG INFO: task hung in hpc_trigger_hung"
	[report-softlockup]="FAIL HANG BUG: soft lockup in hpc_trigger_spin"
	[report-rcustall]="FAIL HANG INFO: rcu detected stall in hpc_trigger_spin"
	# the stock kernel has neither KASAN nor lockdep: skipped, with the reason
	[report-kasan]="SKIP  kernel lacks CONFIG_KASAN (required at */report-kasan.scn:8)"
	[report-lockdep]="SKIP  kernel lacks CONFIG_PROVE_LOCKING (required at */report-lockdep.scn:8)"
)
plan $((${#want[@]} + 3))

hpc run --results "$T_RESULTS" --heartbeat 20 reports
diag "$T_OUT"
is "$T_RC" 1 "exit status 1 (there are FAILs)"
check_verdicts want
# source lines on the stock kernel (docs/verdicts.md): our module has debug
# info, so its frames resolve; the kernel's only with --symbols
v=$(echo "$T_RESULTS"/latest/*-report-warn/verdict.json)
warn_line=$(grep -n 'WARN(1, "hpchaos_trigger: requested warning' "$T_TOP/kmod/hpchaos_trigger.c" | cut -d: -f1)
is "$(jq -r '[.reports[0].frames[] | select(.rip)][0] | "\(.symbol) \(.file):\(.line)"' "$v")" \
	"hpc_trigger_warn kmod/hpchaos_trigger.c:$warn_line" "report-warn: the WARN's RIP is kmod/hpchaos_trigger.c:$warn_line"
is "$(jq -r '[.reports[0].frames[] | select(.symbol == "vfs_write")][0] | has("file")' "$v")" false \
	"report-warn: a stock kernel frame has no source line without --symbols"
done_testing
