#!/usr/bin/env bash
# The libFuzzer harnesses (docs/internals.md, "Fuzzing"), briefly: each runs
# a fixed number of executions with seed 1 over its seed corpus and its
# regression inputs (framework/tests/fixtures/fuzz/NAME), so that make check
# catches what a fuzzer would catch again; a regression input of a bug not
# fixed yet (listed in framework/tests/fixtures/fuzz/KNOWN) is replayed on
# its own as a TODO test. make fuzz is the long run.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"

cd "$T_TOP/framework"
names=()
for src in fuzz/fuzz_*.c; do
	n=${src#fuzz/fuzz_}
	names+=("${n%.c}")
done
known=()
if [[ -f tests/fixtures/fuzz/KNOWN ]]; then
	mapfile -t known < <(sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' tests/fixtures/fuzz/KNOWN)
fi
plan $((1 + ${#names[@]} + ${#known[@]}))

rc=0
make fuzzers >"$T_TMP/build.log" 2>&1 || rc=$?
is "$rc" 0 "fuzzers build (clang, ASan+UBSan, libFuzzer)"
[[ $rc -eq 0 ]] || diag "$(tail -n 20 "$T_TMP/build.log")" >&2

# What a failed harness found: the sanitizer's or the invariant's words and
# the first frames of its stack.
found() {
	grep -E -m 12 -e 'ERROR:|runtime error:|invariant broken|^ +#[0-9] |Test unit written|SUMMARY' "$1" || true
}

for name in "${names[@]}"; do
	out=$T_TMP/run-$name.out
	rc=0
	fuzz/run.sh --runs check --seed 1 --work "$T_RESULTS/fuzz" "$name" >"$out" 2>&1 || rc=$?
	row=$(grep -E "^$name " "$out" | tr -s ' ' || true)
	if [[ $rc -eq 0 ]]; then
		ok 0 "fuzz $name: ${row:-no result}"
	else
		ok 1 "fuzz $name: ${row:-exit $rc}"
		diag "$(cat "$out")" >&2
		[[ -f $T_RESULTS/fuzz/logs/$name.log ]] && diag "$(found "$T_RESULTS/fuzz/logs/$name.log")" >&2
	fi
done

# Open bugs: the input must still make its harness fail, or the bug is
# fixed and its line in KNOWN can go (prove reports a TODO that passes).
for line in "${known[@]}"; do
	entry=${line%%#*}
	entry=${entry%"${entry##*[![:space:]]}"}
	why=${line#*#}
	why=${why#"${why%%[![:space:]]*}"}
	T_N=$((T_N + 1))
	bin=build-fuzz/bin/fuzz_${entry%%/*}
	if [[ ! -x $bin ]]; then
		printf 'not ok %d - open bug, harness not built: %s # TODO %s\n' "$T_N" "$entry" "$why"
	elif ! "$bin" "tests/fixtures/fuzz/$entry" >"$T_TMP/known.log" 2>&1; then
		printf 'not ok %d - open bug still there: %s # TODO %s\n' "$T_N" "$entry" "$why"
	else
		printf 'ok %d - open bug gone (remove it from KNOWN): %s # TODO %s\n' "$T_N" "$entry" "$why"
	fi
done
done_testing
