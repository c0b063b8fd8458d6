#!/usr/bin/env bash
# Owners and clusters (issue 14): the owners group on chaos (6.1) and
# chaos:6.12, each scenario twice in a row (--repeat 2, seeds 42 and 43),
# gives the verdicts its file expects: two clusters with cross-owner
# traffic and one provider revoked (RESET), a provider re-registered between
# the clusters under traffic (PASS), one device of a cluster lost by
# surprise while its peer uses its pages (RESET, both mirrors LOST); and the
# traffic really crossed owners (migrate_cross in the workload's counters).
# The in-guest KTAP tests of owners are in 60-chaos.t (make check). -j 1:
# two guests of 1 GiB beside each other on 2 cores slow the 40 s workload.
# make check-long.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/../lib.sh"

declare -A want=(
	[owner-cross-revoke]="RESET *"
	[owner-reown-traffic]="PASS *"
	[owner-cluster-peer-loss]="RESET *"
)
kernels=(chaos chaos:6.12)
plan $((${#kernels[@]} * (2 + 2 * ${#want[@]} + 3)))

for k in "${kernels[@]}"; do
	res=$T_RESULTS/${k/:/-}
	hpc run --kernel "$k" -j 1 --repeat 2 --seed 42 --heartbeat 120 --results "$res" owners
	diag "$T_OUT"
	is "$T_RC" 0 "$k: exit status 0 (the two RESETs are what their files expect)"
	like "$(json "$(readlink -f "$res/latest")/run.json" .kernel.release)" "*-hpchaos" "$k: ran on the chaos kernel"
	for s in $(printf '%s\n' "${!want[@]}" | sort); do
		for r in 1 2; do
			v=$(echo "$res"/latest/*-"$s"-r"$r")/verdict.json
			got=$(json "$v" '"\(.verdict) \(.class // "") \(.title // .reason // "")"')
			like "$got" "${want[$s]}" "$k: $s, repetition $r: $got"
		done
	done
	# the workloads crossed owners, and the two mirrors of one cluster
	# both saw the loss
	cross=$(grep -h 'mirror migrate_cross=' "$res"/latest/*-owner-reown-traffic-r1/ktap.txt)
	like "$cross" "*mirror migrate_cross=[1-9]*peer state=ACTIVE*migrate_cross=[1-9]*" \
		"$k: owner-reown-traffic: both mirrors migrated the other owner's pages: ${cross#*# }"
	t "$k: owner-cluster-peer-loss: both mirrors of the cluster lost the device" \
		test "$(grep -c 'lost provider' "$res"/latest/*-owner-cluster-peer-loss-r1/kmsg.log)" -eq 2
	stale=$(grep -l "hpchaos: STALE" "$res"/latest/*/kmsg.log || true)
	is "$stale" "" "$k: no STALE line in any kernel log"
done
done_testing
