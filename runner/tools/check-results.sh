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

out=$(mktemp)
trap 'rm -f "$out"' EXIT

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

# Each kind: the file name it matches, and the function that checks one.
declare -A checker=()
checker[minimise.json]=check_minimise

for name in "${!checker[@]}"; do
	while IFS= read -r -d '' f; do
		"${checker[$name]}" "$f" || true
	done < <(find "$dir" -name "$name" -type f -print0 2>/dev/null)
done
: "$top" "$out"
exit "$bad"
