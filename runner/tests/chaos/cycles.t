#!/usr/bin/env bash
# Many cycles per boot (docs/scenarios.md): bar-cycles runs 100 unplug +
# re-plug + verify cycles of the PCI BAR provider under one live mirror in
# one boot; verdict.json counts the guest's "cycle K" subtests, and the
# audit matrix rolls them up. Stock kernel, about 30 s.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/../lib.sh"
plan 6

before=$(qemu_count)
hpc run --results "$T_RESULTS" --seed 3 bar-cycles
diag "$T_OUT"
is "$T_RC" 0 "bar-cycles: exit 0"
d=$(echo "$(latest)"/*-bar-cycles)
is "$(json "$d/verdict.json" .verdict)" PASS "bar-cycles: PASS"
is "$(jq -c .cycles "$d/verdict.json")" '{"n":100,"passed":100,"failed":0,"first_failed":null}' \
	"verdict.json: 100 cycles, all passed"
t "one boot: the guest started once" test "$(grep -c 'Linux version ' "$d/console.log")" = 1
hpc audit "$(latest)"
diag "$T_OUT"
like "$T_OUT" "*pci-bar *guest-removal *1 *100/100 *" "audit: the cycles roll up into the pci-bar row"
is "$(qemu_count)" "$before" "no QEMU left running"
done_testing
