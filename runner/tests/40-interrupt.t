#!/usr/bin/env bash
# Ctrl-C, SIGTERM (and even SIGKILL of the runner) at several moments:
# the results so far stay readable, summary.json says the run was
# interrupted, and no QEMU process survives.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
set -m # job control: the runner gets its own process group, like at a terminal

points=(1 5 12)
signals=(INT TERM KILL)
plan $((${#points[@]} * ${#signals[@]} * 2 + 2))

before=$(qemu_count)
conductors() { pgrep -c -f "hpc-conductor .*$T_RESULTS" || true; }

for sig in "${signals[@]}"; do
	for at in "${points[@]}"; do
		res=$T_RESULTS/$sig-$at
		"${AS_AT_TERMINAL[@]}" "$T_TOP/runner/hpchaos" run --results "$res" dimm-hotplug >"$T_TMP/out" 2>&1 &
		pid=$!
		sleep "$at"
		if [[ $sig == KILL ]]; then
			kill -KILL "$pid" 2>/dev/null || true
		else
			kill "-$sig" -- "-$pid" 2>/dev/null || true # the whole group, as a terminal does
		fi
		wait "$pid" 2>/dev/null || true
		for _ in $(seq 100); do
			[[ $(qemu_count) == "$before" && $(conductors) == 0 ]] && break
			sleep 0.1
		done
		is "$(qemu_count)/$(conductors)" "$before/0" "SIG$sig at ${at}s: no QEMU and no conductor left"
		if [[ $sig == KILL ]]; then
			# The runner had no chance to write a summary; the scenario's own
			# verdict says it was interrupted once the guest had started.
			v=$(find "$res" -name verdict.json -print -quit 2>/dev/null || true)
			t "SIGKILL at ${at}s: any verdict written says interrupted" \
				test -z "$v" -o "$(json "$v" .interrupted 2>/dev/null || true)" = true
		else
			s=$(readlink -f "$res/latest" || true)/summary.json
			if [[ -f $s ]]; then
				is "$(json "$s" .interrupted)" true "SIG$sig at ${at}s: summary.json says interrupted"
			else
				# interrupted before the run directory existed (image step)
				t "SIG$sig at ${at}s: interrupted before any run directory existed" test ! -e "$res/latest"
			fi
		fi
	done
done
is "$(qemu_count)" "$before" "no QEMU left at the end"
is "$(pgrep -c -f "$T_TMP" || true)" 0 "no process of ours left"
done_testing
