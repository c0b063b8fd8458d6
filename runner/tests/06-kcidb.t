#!/usr/bin/env bash
# kcidb.json on the host, no guest: hpc-report over copies of two real runs
# (framework/tests/fixtures/kcidb/run-*), its kcidb.json validated by
# runner/tools/check-results.sh against the published KCIDB schema, and
# hand-broken copies of it, each of which the check must report invalid.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"

plan 24

bin=${HPC_BIN:-$T_TOP/framework/build/bin}
fix=$T_TOP/framework/tests/fixtures/kcidb
check=$T_TOP/runner/tools/check-results.sh

# copy_run NAME DEST: the fixture run's plan, run.json and verdict.json files.
copy_run() {
	local n
	mkdir -p "$2"
	cp "$fix/$1/plan" "$fix/$1/run.json" "$2/"
	while IFS= read -r n; do
		mkdir -p "$2/$n"
		cp "$fix/$1/$n/verdict.json" "$2/$n/"
	done <"$fix/$1/plan"
}

quick=$T_TMP/results/quick
copy_run run-quick "$quick"
rc=0
env -u HPC_KCIDB_ORIGIN "$bin/hpc-report" "$quick" --quiet || rc=$?
is "$rc" 1 "hpc-report on the quick run exits 1 (report-warn is a FAIL)"
t "it writes kcidb.json" test -s "$quick/kcidb.json"
out=$("$check" "$quick" 2>&1) && rc=0 || rc=$?
is "$rc:$out" "0:" "kcidb.json of the quick run is valid KCIDB I/O v5.3"
is "$(json "$quick/kcidb.json" '[.tests[].status] | join(" ")')" \
	"PASS PASS PASS PASS PASS PASS PASS PASS FAIL PASS FAIL" \
	"statuses: PASS, RESET as PASS, XFAIL and FAIL as FAIL"

skip=$T_TMP/results/skip
copy_run run-skip "$skip"
HPC_KCIDB_ORIGIN=my_lab "$bin/hpc-report" "$skip" --quiet
out=$("$check" "$skip" 2>&1) && rc=0 || rc=$?
is "$rc:$out" "0:" "kcidb.json of the SKIP run, origin my_lab, is valid"
is "$(json "$skip/kcidb.json" '[.checkouts[0].origin, .tests[0].id, .tests[0].status] | join(" ")')" \
	"my_lab my_lab:20261203-104624-15cace66.01-hmm-selftest SKIP" \
	"HPC_KCIDB_ORIGIN names the origin and prefixes every id"

# interrupted before the last scenario: NOTRUN, status MISS
intr=$T_TMP/results/intr
copy_run run-quick "$intr"
rm "$intr/11-report-warn/verdict.json"
rc=0
"$bin/hpc-report" "$intr" --quiet --interrupted || rc=$?
is "$rc" 3 "an interrupted run without a FAIL exits 3"
out=$("$check" "$intr" 2>&1) && rc=0 || rc=$?
is "$rc:$out" "0:" "kcidb.json of the interrupted run is valid"
is "$(json "$intr/kcidb.json" '.tests[10] | "\(.status) \(.path) \(.misc.verdict)"')" \
	"MISS hpchaos.report-warn NOTRUN" "a scenario that did not run is MISS, its path from the directory"

# broken NAME JQ_FILTER WANT: a copy of the quick run's kcidb.json edited by
# JQ_FILTER must be reported invalid, naming the file and WANT (a glob).
broken() {
	local d=$T_TMP/broken out rc=0
	mkdir -p "$d"
	jq "$2" "$quick/kcidb.json" >"$d/kcidb.json"
	out=$("$check" "$d" 2>&1) || rc=$?
	is "$rc" 1 "invalid: $1"
	like "$out" "$d/kcidb.json: not valid KCIDB I/O*$3*" "  ... the check names the file and says why ($1)"
	rm -rf "$d"	# done_testing checks every kcidb.json left in T_TMP
}
broken "a verdict as status" '.tests[8].status = "XFAIL"' '/tests/8/status: Not in enum list*'
broken "an origin with a dash" '.checkouts[0].origin = "hp-chaos"' '/checkouts/0/origin: String does not match*'
broken "an empty path component" '.tests[0].path = "hpchaos..x"' '/tests/0/path: String does not match*'
broken "an id without origin" '.builds[0].id = "20261203"' '/builds/0/id: String does not match*'
broken "a null" '.tests[0].duration = null' '/tests/0/duration: Expected number*'
broken "a property the schema does not have" '.tests[0].log = "x"' '/tests/0: Properties not allowed: log*'
broken "major version 4" '.version.major = 4' '/version/major: Does not match const: 5*'

# not JSON at all
d=$T_TMP/broken
mkdir -p "$d"
head -c 100 "$quick/kcidb.json" >"$d/kcidb.json"
out=$("$check" "$d" 2>&1) && rc=0 || rc=$?
like "$rc:$out" "1:$d/kcidb.json: not valid KCIDB I/O*not JSON*" "a cut kcidb.json is not JSON: invalid"
rm -rf "$d"

done_testing
