#!/usr/bin/env bash
# --symbols on the stock kernel (make check-long: it fetches Debian's -dbg
# package once, about 860 MiB): the kernel's frames of a report get their
# source lines too, paths relative to the tree (docs/verdicts.md).
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/../lib.sh"

plan 4

hpc run --symbols --results "$T_RESULTS" --heartbeat 20 report-warn
diag "$T_OUT"
is "$T_RC" 1 "report-warn: exit status 1 (a FAIL)"
v=$(echo "$T_RESULTS"/latest/*-report-warn/verdict.json)
like "$(jq -r '[.reports[0].frames[] | select(.symbol == "vfs_write")][0] | "\(.file):\(.line)"' "$v")" \
	"fs/read_write.c:[0-9]*" "vfs_write: fs/read_write.c with a line"
is "$(jq -r '.reports[0].frames | (map(select(.file != null)) | length) == length' "$v")" true \
	"every frame of the WARN has a source line"
is "$(jq -r '[.reports[0].frames[] | .file // "" | select(startswith("/") or contains("debian/build"))] | length' "$v")" 0 \
	"no build-machine paths (Debian's build directory, absolute paths)"
done_testing
