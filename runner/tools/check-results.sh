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
checker[index.html]=check_index_html

for name in "${!checker[@]}"; do
	while IFS= read -r -d '' f; do
		"${checker[$name]}" "$f" || true
	done < <(find "$dir" -name "$name" -type f -print0 2>/dev/null)
done
: "$top" "$out"
exit "$bad"
