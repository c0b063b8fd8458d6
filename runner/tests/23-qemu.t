#!/usr/bin/env bash
# Which QEMU runs the guests (--qemu system|current, runner/lib/qemu.sh):
# the host's QEMU 7.2 has no CXL error injection, so the CXL fault
# scenarios SKIP on it naming the QMP command or device property they
# miss, before any guest boots; the current QEMU (Debian 13's, unpacked into the cache, installed
# here when missing) has the commands, and doctor says so. The scenarios
# themselves run in runner/tests/chaos/cxl.t (check-long).
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
plan 14

before=$(qemu_count)
hpc run --results "$T_RESULTS" --qemu system cxl-fault
diag "$T_OUT"
is "$T_RC" 0 "run cxl-fault on the host's QEMU: exit 0 (SKIP is no failure)"
run=$(latest)
for s in cxl-poison-devdax:cxl-inject-poison cxl-ue-devdax:cxl-inject-uncorrectable-errors \
	cxl-cor-storm:cxl-inject-correctable-error; do
	d=$(echo "$run"/*-"${s%%:*}")
	like "$(json "$d/verdict.json" '"\(.verdict) \(.reason)"')" \
		"SKIP QEMU lacks QMP command ${s#*:} (required at *${s%%:*}.scn:*" "${s%%:*}: SKIP naming ${s#*:}"
done
d=$(echo "$run"/*-cxl-switch-volatile)
like "$(json "$d/verdict.json" '"\(.verdict) \(.reason)"')" \
	"SKIP QEMU's cxl-type3 has no property volatile-memdev (required at *cxl-switch-volatile.scn:*" \
	"cxl-switch-volatile: SKIP naming the property QEMU 7.2 lacks"
t "no guest booted for them" test "$(find "$run" -name console.log | wc -l)" = 0
is "$(json "$run/run.json" .qemu.select)" system "run.json: the QEMU selected"

hpc run --results "$T_RESULTS" --qemu newest boot-idle
is "$T_RC" 2 "--qemu newest: exit 2"
like "$T_OUT" "*--qemu: expected system or current, got 'newest'*" "... saying what it takes"
hpc run --results "$T_RESULTS" --backend libvirt --qemu current boot-idle
like "$T_RC $T_OUT" "2 *--qemu current works with --backend qemu only*" "--qemu current with libvirt: refused, exit 2"

# installs the current QEMU when the cache has none (about 10 s, 170 MB)
hpc doctor --qemu current --json
is "$T_RC" 0 "doctor --qemu current: exit 0"
like "$(jq -r .qemu <<<"${T_OUT##*$'\n'}")" "QEMU emulator version [1-9][0-9].* (Debian *) (current: Debian trixie root *" \
	"doctor: the current QEMU is 10 or later, from Debian 13"
like "$(jq -r .qemu_cxl <<<"${T_OUT##*$'\n'}")" "*cxl-inject-correctable-error*cxl-inject-poison*cxl-inject-uncorrectable-errors*" \
	"doctor: it has the CXL inject commands"
is "$(qemu_count)" "$before" "no QEMU left running"
done_testing
