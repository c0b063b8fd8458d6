#!/usr/bin/env bash
# structure.sh [DIR]: the size rules of the code (docs/internals.md, "Map"):
# no source file over 1,000 lines and no function over 80 lines, outside
# tests, fuzz harnesses and fixtures. Prints one line per breach:
#   FILE: N lines (over 1000)
#   FILE:LINE: FUNCTION: N lines (over 80)
# and exits 1 when there is any. C functions are kernel style (the body's
# braces in column 0); bash functions are 'name() {' ... '}' in column 0.
set -euo pipefail
top=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"

mapfile -t csrc < <(find framework kmod -type f \( -name '*.c' -o -name '*.h' \) \
	! -path 'framework/tests/*' ! -path 'framework/fuzz/*' ! -path '*/build*/*' \
	! -path '*/fixtures/*' ! -name '*.mod.c' | LC_ALL=C sort)
mapfile -t shsrc < <({ printf '%s\n' runner/hpchaos guest-images/init; find runner/lib runner/bench runner/tools -type f -name '*.sh' 2>/dev/null || true; } | LC_ALL=C sort)

bad=0
while read -r n f; do
	[[ $f == total ]] && continue
	if ((n > 1000)); then
		printf '%s: %d lines (over 1000)\n' "$f" "$n"
		bad=1
	fi
done < <(wc -l "${csrc[@]}" "${shsrc[@]}")

# C: a function body opens with '{' in column 0 and closes with '}' in column 0;
# its name is on the last line before it that starts a declaration.
out=$(awk '
	FNR == 1 { start = 0; decl = "" }
	/^\{/ { if (decl != "") { start = FNR; name = decl } ; next }
	/^\}/ { if (start && FNR - start - 1 > 80)
			printf "%s:%d: %s: %d lines (over 80)\n", FILENAME, start, name, FNR - start - 1
		start = 0; next }
	/^[A-Za-z_].*\(/ && !start { decl = $0; sub(/\(.*/, "", decl); sub(/.*[ *]/, "", decl) }
	/^[A-Za-z_].*;[ \t]*$/ && !start { decl = "" }
' "${csrc[@]}")
[[ -z $out ]] || { printf '%s\n' "$out"; bad=1; }

out=$(awk '
	FNR == 1 { start = 0 }
	/^[A-Za-z_][A-Za-z0-9_]*\(\) *\{/ { start = FNR; name = $1; next }
	/^\}/ { if (start && FNR - start - 1 > 80)
			printf "%s:%d: %s: %d lines (over 80)\n", FILENAME, start, name, FNR - start - 1
		start = 0 }
' "${shsrc[@]}")
[[ -z $out ]] || { printf '%s\n' "$out"; bad=1; }
exit "$bad"
