#!/usr/bin/env bash
# check-results.sh DIR: validate every result file hpchaos wrote under DIR
# with a checker that is not ours to bend: each file kind has one function
# below. Prints one line per invalid file ("FILE: why", the checker's own
# words after it) and exits 1 when there is any; 0 when all are valid or
# there is nothing to check. make check runs it over the results of every
# test file (runner/tests/lib.sh, done_testing).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:?usage: check-results.sh DIR}
bad=0

# shellcheck disable=SC2317 # called through the checker table
# fail FILE WHY [DETAIL_FILE]
fail() {
	printf '%s: %s\n' "$1" "$2"
	[[ -z ${3:-} ]] || sed -n '1,20s/^/    /p' "$3"
	bad=1
}

# shellcheck disable=SC2317 # called through the checker table
# junit.xml: valid under Jenkins' JUnit schema (xunit plugin) and Ant's
# (framework/tests/fixtures/junit/schemas/README.md), both at once.
check_junit() {
	local xsd
	for xsd in junit-10.xsd JUnit.xsd; do
		if ! xmllint --noout --schema "$top/framework/tests/fixtures/junit/schemas/$xsd" \
			"$1" >"$out" 2>&1; then
			fail "$1" "not valid under $xsd (xmllint)" "$out"
		fi
	done
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT

# shellcheck disable=SC2317 # called through the checker table
# check_kcidb FILE: valid against the published KCIDB I/O schema v5.3
# (framework/tests/fixtures/kcidb/README.md), by JSON::Validator (Draft 7,
# formats checked), offline.
check_kcidb() {
	perl -MJSON::Validator::Schema::Draft7 -MMojo::JSON=decode_json -MMojo::File=path -e '
		my $s = JSON::Validator::Schema::Draft7->new(decode_json(path($ARGV[0])->slurp));
		$s->resolve;
		my $d = eval { decode_json(path($ARGV[1])->slurp) } // die "not JSON: $@";
		my @e = $s->validate($d);
		print "$_\n" for @e;
		exit(@e ? 1 : 0);' "$top/framework/tests/fixtures/kcidb/kcidb-io.schema.v5.3.json" "$1" >"$out" 2>&1 ||
		fail "$1" "not valid KCIDB I/O (schema v5.3)" "$out"
}

# shellcheck disable=SC2317 # called through the checker table
# check_minimise FILE: minimise.json of 'hpchaos minimise': its members and
# their types, a known status and outcomes, and the minimised scenario it
# names exists beside it and lints.
check_minimise() {
	local f=$1 scn bin=$top/framework/build/bin
	[[ -x $top/framework/build-san/bin/hpc-scenario ]] && bin=$top/framework/build-san/bin
	if ! jq -e '(.seed | type == "number") and (.scenario | type == "string")
		and (.status | IN("running", "reduced", "minimal", "budget", "not-reproduced", "interrupted"))
		and (.runs | type == "number") and (.original.units >= .final.units)
		and (.final.file | type == "string") and (.removed | type == "array")
		and (.narrowed | type == "array")
		and all(.candidates[]; (.n | type == "number") and (.change | type == "string")
			and (.outcome | IN("same", "different", "pass", "invalid")) and (.runs | type == "array"))' \
		"$f" >"$out" 2>&1; then
		fail "$f" "not a valid minimise.json" "$out"
		return
	fi
	scn=$(dirname "$f")/$(jq -r .final.file "$f")
	[[ $scn != *..* && -f $scn ]] || { fail "$f" "the minimised scenario it names is missing"; return; }
	"$bin/hpc-scenario" lint "$scn" >"$out" 2>&1 || fail "$f" "the minimised scenario does not lint" "$out"
}

# shellcheck disable=SC2317 # called through the checker table
# index.html (lib/report_html.c): well-formed XML (the page is written to
# be read by an XML parser as well as HTML's), and no script in it.
check_index_html() {
	if ! xmllint --noout --nonet "$1" >"$out" 2>&1; then
		fail "$1" "not well-formed (xmllint)" "$out"
	elif grep -qi '<script' "$1"; then
		fail "$1" "has a <script> element"
	fi
}

# Each kind: the file name it matches, and the function that checks one.
declare -A checker=()
checker[kcidb.json]=check_kcidb

# shellcheck disable=SC2317 # called through the checker table
# ktap.txt (run and scenario): hpc-ktap-check, KTAP v1 as Documentation/dev-tools/ktap.rst
# says, 4 spaces per level, a plan in every document, unique names per level.
check_ktap() {
	local tool=${HPC_BIN:-$top/framework/build/bin}/hpc-ktap-check
	"$tool" "$1" >"$out" 2>&1 || fail "$1" "not valid KTAP ($tool)" "$out"
}
checker[ktap.txt]=check_ktap
checker[junit.xml]=check_junit
checker[minimise.json]=check_minimise
checker[index.html]=check_index_html

for name in "${!checker[@]}"; do
	while IFS= read -r -d '' f; do
		"${checker[$name]}" "$f" || true
	done < <(find "$dir" -name "$name" -type f -print0 2>/dev/null)
done
: "$top" "$out"
exit "$bad"
