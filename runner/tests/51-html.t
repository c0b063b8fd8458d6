#!/usr/bin/env bash
# index.html in a browser: 'hpchaos report' writes it again for a real run
# (the unit test's fixture, framework/tests/fixtures/html/run: no guest is
# booted), Debian's chromium renders it headless, and the screenshot must
# not be blank (ImageMagick counts its colours) and the page must log no
# console error. Two controls show the checks can fail: a blank page gives
# one colour, a page whose script throws logs a console error. About 15 s
# (three chromium starts of about 5 s), so it is in make check.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"

plan 8

# shoot HTML PNG: a headless screenshot, chromium's log in $T_TMP/log
shoot() {
	timeout 90 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$T_TMP/chromium" --enable-logging=stderr --v=0 \
		--screenshot="$2" --window-size=1200,1600 "file://$1" >"$T_TMP/log" 2>&1 || true
}
# console errors of the page: chromium logs them as CONSOLE(line) lines
console_errors() { grep -E ':CONSOLE\(|Uncaught' "$T_TMP/log" || true; }
colours() { identify -format '%k' "$1" 2>/dev/null || echo 0; }

run=$T_RESULTS/run
mkdir -p "$T_RESULTS"
cp -r "$T_TOP/framework/tests/fixtures/html/run" "$run"
hpc report "$run"
like "$T_RC $T_OUT" "1 *report-warn*FAIL*WARN*report: $run/index.html*" "report: the table again, exit 1 (a FAIL), index.html written"
t "index.html is well-formed XML" xmllint --noout --nonet "$run/index.html"
hpc report "$T_TMP"
like "$T_RC $T_OUT" "2 *not a run directory*" "report of a directory that is no run: exit 2"

start=$SECONDS
shoot "$run/index.html" "$T_TMP/page.png"
diag "chromium took $((SECONDS - start)) s"
t "chromium made a screenshot" test -s "$T_TMP/page.png"
n=$(colours "$T_TMP/page.png")
ok "$([[ $n -gt 50 ]] && echo 0 || echo 1)" "the screenshot is not blank ($n colours)"
is "$(console_errors)" "" "the page logs no console error"

# the controls: the same checks on pages made to fail them
printf '<!DOCTYPE html><html><body></body></html>\n' >"$T_TMP/blank.html"
shoot "$T_TMP/blank.html" "$T_TMP/blank.png"
is "$(colours "$T_TMP/blank.png")" 1 "control: a blank page is one colour"
printf '<!DOCTYPE html><html><body><p>x</p><script>nosuch();</script></body></html>\n' >"$T_TMP/bad.html"
shoot "$T_TMP/bad.html" "$T_TMP/bad.png"
like "$(console_errors)" "*nosuch*" "control: a script error is seen in chromium's log"
done_testing
