#!/usr/bin/env bash
# hpchaos audit over a copy of the unit test's fixture run
# (framework/tests/fixtures/audit/run: real result directories of five
# runs, see its README; no guest is booted): the printed matrix, audit.json
# (0600, every cell's counts), the --json and --html copies, the latest run
# when no directory is given, a broken input file said and counted, the
# matrix in index.html, and the errors for what is no run directory.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"

plan 22

id=20261203-170033-dda4ab28
run=$T_RESULTS/$id
mkdir -p "$T_RESULTS"
cp -r "$T_TOP/framework/tests/fixtures/audit/run" "$run"

# row DEVICE FAULT: that row of the printed table, blanks squeezed
row() { grep -E "^$1 +$2 " <<<"$T_OUT" | tr -s ' ' || true; }

hpc audit "$run"
like "$T_RC $T_OUT" "0 audit of run $id: 12 results in 11 cells (device kind x fault;*" "audit RUN: the matrix of 12 results in 11 cells, exit 0"
like "$T_OUT" "*DEVICE *FAULT *PASS RESET XFAIL SKIP ERROR FAIL NOTRUN  CYCLES  CLASSES *EVIDENCE*" "the header: a column per outcome, cycles, classes, evidence"
is "$(row device-private guest-removal)" \
	"device-private guest-removal 1 1 - - - 2 - - FAIL/HANG:1,FAIL/CORRUPT:1 08-owner-reown-traffic-r1/verdict.json" \
	"device-private x guest-removal: PASS 1, RESET 1, FAIL 2 with their classes, the first FAIL's verdict.json"
is "$(row cxl-pmem unplug)" "cxl-pmem unplug - 1 - - - - - - - 07-cxl-devdax-unplug" \
	"cxl-pmem x unplug: RESET 1 (cxl-devdax-unplug)"
is "$(row pci-bar surprise-removal)" "pci-bar surprise-removal 1 - - - - - - - - 04-bar-surprise" \
	"pci-bar x surprise-removal: PASS 1 (bar-surprise)"
is "$(row none none)" "none none 1 - - - - 1 - - FAIL/KASAN:1 11-owners-dev/verdict.json" \
	"none x none: PASS 1, FAIL/KASAN 1"
like "$T_OUT" "*hpchaos: audit: $run/audit.json" "it says where audit.json is"
is "$(stat -c %a "$run/audit.json")" 600 "audit.json is private (0600)"
cells=$(json "$run/audit.json" '[.cells[] | "\(.device)/\(.fault)=" +
	(.outcomes | to_entries | map(select(.value > 0) | "\(.key):\(.value)") | join(","))] | join(" ")')
is "$cells" "cxl-pmem/unplug=RESET:1 pci-bar/surprise-removal=PASS:1 pci-bar/guest-removal=PASS:1 dimm/unplug=PASS:1 dimm/guest-removal=PASS:1 nvdimm/guest-removal=RESET:1 device-private/guest-removal=PASS:1,RESET:1,FAIL:2 device-private/notifier-delay=PASS:1,FAIL:1 none/fault-injection=PASS:1 none/notifier-delay=PASS:1 none/none=PASS:1,FAIL:1" \
	"audit.json: every cell's outcomes"
is "$(json "$run/audit.json" '[.schema, .run_id, .problems, (.results | length), (.cells[6].evidence | join(","))] | map(tostring) | join(" ")')" \
	"1 $id 0 12 08-owner-reown-traffic-r1,08-owner-reown-traffic-r2,09-owner-cluster-peer-loss,10-owner-cluster-peer-loss" \
	"audit.json: schema, run id, no problems, 12 results, a cell's evidence"

hpc audit --json "$T_TMP/copy.json" --html="$T_TMP/audit.html" "$run"
is "$T_RC" 0 "--json FILE --html=FILE: exit 0"
t "--json: the same as audit.json" cmp "$T_TMP/copy.json" "$run/audit.json"
t "--html: a well-formed page" xmllint --noout --nonet "$T_TMP/audit.html"

ln -sfn "$id" "$T_RESULTS/latest"
hpc audit --results "$T_RESULTS"
like "$T_RC $T_OUT" "0 audit of run $id: 12 results*hpchaos: audit: $run/audit.json" "no directory: the latest run under --results"

# a scenario file gone: said with its path, the result counted as unknown
rm "$run/04-bar-surprise/bar-surprise.scn"
hpc audit "$run"
like "$T_RC $T_OUT" "1 *$run/04-bar-surprise/bar-surprise.scn: No such file or directory (expected the scenario file as it ran;*" \
	"a missing scenario file: its path and what was expected, exit 1"
is "$(row unknown unknown)" "unknown unknown 1 - - - - - - - - 04-bar-surprise" "that result counts as unknown x unknown"
is "$(json "$run/audit.json" .problems)" 1 "audit.json counts the problem"

hpc report "$run"
is "$T_RC" 1 "report of the run: exit 1 (it has FAILs)"
t "index.html has the matrix" grep -q '<section id="audit">' "$run/index.html"

hpc audit "$T_TMP/nosuch"
like "$T_RC $T_OUT" "2 *audit: $T_TMP/nosuch is not a run directory (no summary.json in it)*" "a directory that is no run: exit 2"
hpc audit --results "$T_TMP/none"
like "$T_RC $T_OUT" "2 *audit: no run directory given and no $T_TMP/none/latest*" "no directory and no latest run: exit 2"
hpc audit "$run/01-mirror-selftest"
like "$T_RC $T_OUT" "2 *is one result; give its run directory ($run)*" "a result directory: exit 2, its run directory named"
done_testing
