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
plan $((2 + ${#names[@]} + ${#known[@]}))

rc=0
make fuzzers >"$T_TMP/build.log" 2>&1 || rc=$?
is "$rc" 0 "fuzzers build (clang, ASan+UBSan, libFuzzer)"
[[ $rc -eq 0 ]] || diag "$(tail -n 20 "$T_TMP/build.log")" >&2

# What a failed harness found: the sanitizer's or the invariant's words and
# the first frames of its stack.
found() {
	grep -E -m 12 -e 'ERROR:|runtime error:|invariant broken|^ +#[0-9] |Test unit written|SUMMARY' "$1" || true
}

# What tells one bug from another in a log: the harness's broken invariant,
# else the sanitizer's summary ("SUMMARY: ... lib/scenario_parse.c:968:21 in").
signature() {
	local s
	s=$(grep -m 1 -e 'invariant broken' "$1" 2>/dev/null ||
		grep -m 1 '^SUMMARY: ' "$1" 2>/dev/null || true)
	printf '%s' "${s%"${s##*[![:space:]]}"}"
}

# Open bugs first, silently: does each input still make its harness fail,
# and with which signature?
declare -A known_sum=()	# harness -> signatures of its open bugs, one a line
known_res=()
for line in "${known[@]}"; do
	entry=${line%%#*}
	entry=${entry%"${entry##*[![:space:]]}"}
	bin=build-fuzz/bin/fuzz_${entry%%/*}
	if [[ ! -x $bin ]]; then
		known_res+=("not built")
	elif ! UBSAN_OPTIONS=halt_on_error=1 "$bin" "tests/fixtures/fuzz/$entry" >"$T_TMP/known.log" 2>&1; then
		known_res+=(fails)
		known_sum[${entry%%/*}]+=$(signature "$T_TMP/known.log")$'\n'
	else
		known_res+=(passes)
	fi
done

# Each harness: a failure whose signature is an open bug's is a TODO (the
# harness cannot get past that bug; make fuzz still fails on it).
for name in "${names[@]}"; do
	out=$T_TMP/run-$name.out
	log=$T_RESULTS/fuzz/logs/$name.log
	rc=0
	fuzz/run.sh --runs check --seed 1 --work "$T_RESULTS/fuzz" "$name" >"$out" 2>&1 || rc=$?
	row=$(grep -E "^$name " "$out" | tr -s ' ' || true)
	sum=$(signature "$log")
	if [[ $rc -eq 0 ]]; then
		ok 0 "fuzz $name: ${row:-no result}"
	elif [[ -n $sum && ${known_sum[$name]:-} == *"$sum"$'\n'* ]]; then
		T_N=$((T_N + 1))
		printf 'not ok %d - fuzz %s: %s # TODO open bug in tests/fixtures/fuzz/KNOWN: %s\n' "$T_N" "$name" "$row" "$sum"
	else
		ok 1 "fuzz $name: ${row:-exit $rc}"
		diag "$(cat "$out")" >&2
		[[ -f $log ]] && diag "$(found "$log")" >&2
	fi
done

# A starved harness is not a hung one: stop triage_line (whose inputs take
# milliseconds) for 3 s at a time, beyond FUZZ_TIMEOUT=1 of wall time, until
# libFuzzer writes a timeout; run.sh must run that input again alone, find it
# far below a second of CPU, name it slow-under-load and go on to a pass.
# Bounded: 30 s of fuzzing, at most 8 stops.
starve=$T_RESULTS/fuzz-starve
rc=0
FUZZ_TIMEOUT=1 fuzz/run.sh --seconds 30 --seed 1 --work "$starve" triage_line >"$T_TMP/starve.out" 2>&1 &
runpid=$!
for _ in 1 2 3 4 5 6 7 8; do
	sleep 2
	pid=$(pgrep -f -- "bin/fuzz_triage_line .*$starve" | head -n 1 || true)
	[[ -n $pid ]] || continue
	kill -STOP "$pid" 2>/dev/null || true
	sleep 3
	kill -CONT "$pid" 2>/dev/null || true
	grep -q 'slow under load' "$T_TMP/starve.out" && break
done
wait "$runpid" || rc=$?
row=$(grep -E '^triage_line ' "$T_TMP/starve.out" | tr -s ' ' || true)
if [[ $rc -eq 0 && $row == *"slow units"* ]] && grep -q 'slow under load, not a hang' "$T_TMP/starve.out"; then
	ok 0 "fuzz: a harness stopped beyond its timeout is slow, not hung: $row"
else
	ok 1 "fuzz: a harness stopped beyond its timeout is slow, not hung (exit $rc): ${row:-no row}"
	diag "$(cat "$T_TMP/starve.out")" >&2
fi

# Open bugs: the input must still make its harness fail, or the bug is
# fixed and its line in KNOWN can go (prove reports a TODO that passes).
for i in "${!known[@]}"; do
	line=${known[$i]}
	entry=${line%%#*}
	entry=${entry%"${entry##*[![:space:]]}"}
	why=${line#*#}
	why=${why#"${why%%[![:space:]]*}"}
	T_N=$((T_N + 1))
	case ${known_res[$i]} in
	fails) printf 'not ok %d - open bug still there: %s # TODO %s\n' "$T_N" "$entry" "$why" ;;
	passes) printf 'ok %d - open bug gone (remove it from KNOWN): %s # TODO %s\n' "$T_N" "$entry" "$why" ;;
	*) printf 'not ok %d - open bug, harness not built: %s # TODO %s\n' "$T_N" "$entry" "$why" ;;
	esac
done
done_testing
