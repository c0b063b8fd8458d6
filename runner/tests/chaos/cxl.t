#!/usr/bin/env bash
# CXL fault scenarios (scenarios/cxl/, group cxl-fault) on chaos:6.12 with
# Debian 13's QEMU (--qemu current): each twice in one run (--repeat 2),
# each time the verdict its file states:
#   cxl-poison-devdax  PASS: poison listed with its HPA, memory_failure()
#                      takes the page from the workload and the mirror
#   cxl-cor-storm      PASS: 100 correctable errors logged, no impact
#   cxl-ue-devdax      FAIL LOCKDEP in cxl_error_detected: the AER recovery
#                      of an uncorrectable error (a kernel finding)
#   cxl-switch-volatile FAIL LOCKDEP in pciehp_unconfigure_device: the
#                      removal of a volatile device behind a switch (the
#                      pciehp finding of cxl-devdax-unplug)
# Then the audit matrix of that run: each scenario's cell counts its two
# results. The kernel and the QEMU root are built or installed here when
# the cache lacks them (chaos:6.12 cold: about 25 min on 2 cores).
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/../lib.sh"
plan 13

declare -A want=(
	[cxl-poison-devdax]="PASS - all * steps done"
	[cxl-cor-storm]="PASS - all * steps done"
	[cxl-ue-devdax]="FAIL LOCKDEP possible circular locking dependency in cxl_error_detected"
	[cxl-switch-volatile]="FAIL LOCKDEP possible circular locking dependency in pciehp_unconfigure_device" # as cxl-devdax-unplug
)

before=$(qemu_count)
hpc run --results "$T_RESULTS" --kernel chaos:6.12 --qemu current --seed 42 --repeat 2 -j 1 cxl-fault
diag "$T_OUT"
is "$T_RC" 1 "run: exit 1 (cxl-ue-devdax's finding is a FAIL)"
run=$(latest)
for s in "${!want[@]}"; do
	for r in 1 2; do
		d=$(echo "$run"/*-"$s"-r$r)
		like "$(json "$d/verdict.json" '"\(.verdict) \(.class // "-") \(.title // .reason)"')" \
			"${want[$s]}" "$s, repetition $r: ${want[$s]}"
	done
done
d=$(echo "$run"/*-cxl-poison-devdax-r1)
t "cxl-poison-devdax: the workload got SIGBUS BUS_MCEERR_AO for the poisoned page" \
	grep -q '^\[workload\] hwpoison: SIGBUS BUS_MCEERR_AO 1 at ' "$d/steps.log"
is "$(jq -c 'select(.action == "cxl-inject-poison") | .qmp' "$d/timeline.jsonl" | head -n 1)" \
	'{"path":"/machine/peripheral/cxl0","start":4194304,"length":4096}' \
	"cxl-poison-devdax: the timeline records the injection with its QMP arguments"

hpc audit "$run"
diag "$T_OUT"
is "$(jq -c '[.cells[] | select(.device == "cxl-pmem") | {f: .fault, o: .outcomes}] | sort_by(.f) | map("\(.f) PASS=\(.o.PASS) FAIL=\(.o.FAIL)") | join(", ")' "$run/audit.json")" \
	'"correctable PASS=2 FAIL=0, poison PASS=2 FAIL=0, uncorrectable PASS=0 FAIL=2"' \
	"audit: cxl-pmem x correctable, poison, uncorrectable with two results each"
is "$(qemu_count)" "$before" "no QEMU left running"
done_testing
