# shellcheck shell=bash
# 'hpchaos minimise RESULT': from a failing scenario result, a smaller
# scenario that still fails the same way (the same verdict, class and
# title, as 'hpchaos repro' compares them: hpc-report --repro). Delta
# debugging (ddmin) over the scenario's guest steps and host actions, after
# pinning each drawn delay to the value that fired in the failing run, then
# halving count= of the actions left. hpc-scenario knows the grammar: it
# lists the units (hpc-scenario units) and writes each candidate (hpc-scenario
# edit); every candidate is linted before it boots. Candidates run with the
# original seed, kernel and module variant, in a run directory of their own.

# The original: its scenario copy, name, seed, verdict file, outcome line.
MINI_SCN='' MINI_NAME='' MINI_SEED='' MINI_ORIG='' MINI_LINE='' MINI_TARGET=''
MINI_RESULT='' MINI_RATE='' MINI_RUNLIST='[]' MINI_LAST=''
# Its units (hpc-scenario units), by index.
U_FIRST=() U_LAST=() U_KIND=() U_DESC=() U_DELAY=() U_COUNT=()
# The best so far: indices of the units kept, and the values set
# (FIRST line -> at=N, after=N or count=N).
KEEP=()
declare -gA MINI_SET=()
declare -gA MINI_TRIED=() # candidate key -> outcome (no candidate runs twice)
MINI_CANDS=()             # one JSON object per candidate tried
MINI_RUNS=0               # guest runs so far
MINI_K=0                  # candidates so far
MINI_MAX=40 MINI_TRIES=2 MINI_CONFIRM=0
MINI_OUTCOME=             # the last candidate's: same, different, pass, invalid, budget
MINI_RATE_BEFORE='' MINI_RATE_AFTER='' MINI_RATE_CONFIRM=''
MINI_STATUS=running

# mini_target ARG [NAME]: MINI_TARGET = the scenario result to minimise: a
# result directory, or a run directory and a scenario's name (or its
# result's directory name); a run directory alone when it has one FAIL.
mini_target() {
	local t=$1 want=${2:-} e v
	local -a hits=()
	if [[ -f $t/verdict.json && -z $want ]]; then
		MINI_TARGET=$t
		return
	fi
	[[ -f $t/plan ]] || die 2 "minimise: $t is not a hpchaos result: it has no verdict.json (a scenario's result, results/<id>/NN-name) and no plan (a run's result, results/<id>)"
	while IFS= read -r e; do
		[[ $e =~ ^[A-Za-z0-9_.+-]{1,128}$ && $e != . && $e != .. && -f $t/$e/verdict.json ]] || continue
		if [[ -n $want ]]; then
			[[ $e == "$want" || $(field "$t/$e/verdict.json" scenario || true) == "$want" ]] && hits+=("$t/$e")
		else
			v=$(field "$t/$e/verdict.json" verdict || true)
			[[ $v != FAIL ]] || hits+=("$t/$e")
		fi
	done <"$t/plan"
	if [[ ${#hits[@]} -ne 1 ]]; then
		[[ -z $want ]] || die 2 "minimise: $t has ${#hits[@]} results of '$want' (expected one)"
		die 2 "minimise: $t has ${#hits[@]} FAIL results; name the one to minimise (hpchaos minimise $t NAME)"
	fi
	MINI_TARGET=${hits[0]}
}

# mini_original: the original's scenario copy, seed, verdict and kernel
# (into cmd_minimise's spec and planted); die 2 on anything unusable.
mini_original() {
	local d=$MINI_TARGET src v
	src=$(dirname "$d")
	[[ -f $src/run.json ]] || die 2 "minimise: $src is not a hpchaos run: run.json is missing (it says which kernel and module ran)"
	MINI_NAME=$(field "$d/verdict.json" scenario) || die 2 "minimise: $d/verdict.json is unreadable or names no scenario"
	[[ $MINI_NAME =~ ^[A-Za-z0-9_.:+-]{1,64}$ ]] || die 2 "minimise: $d/verdict.json: bad scenario name"
	v=$(field "$d/verdict.json" verdict) || die 2 "minimise: $d/verdict.json records no verdict"
	MINI_ORIG=$d/verdict.json
	MINI_LINE=$("$HPC_BIN/hpc-report" --verdict "$MINI_ORIG" 2>/dev/null || true)
	MINI_LINE=${MINI_LINE:-$v}
	[[ $v == FAIL ]] || die 2 "minimise: nothing to minimise: $d is $MINI_LINE, not a FAIL"
	MINI_SEED=$(field "$d/verdict.json" seed) || die 2 "minimise: $d/verdict.json records no seed"
	[[ $MINI_SEED =~ ^[0-9]{1,19}$ ]] || die 2 "minimise: $d/verdict.json: bad seed '$MINI_SEED'"
	MINI_SCN=$d/$MINI_NAME.scn
	[[ -f $MINI_SCN ]] || die 2 "minimise: $d has no copy of the scenario ($MINI_NAME.scn): a result from an older hpchaos"
	"$HPC_BIN/hpc-scenario" lint "$MINI_SCN" || die 2 "minimise: the recorded scenario has errors; nothing was booted"
	spec=$(field "$src/run.json" kernel.spec) || die 2 "minimise: $src/run.json records no kernel spec"
	[[ $spec =~ ^(stock|chaos)(:6\.1|:6\.12)?$ || $spec == tree:?* || $spec == build:?* ]] ||
		die 2 "minimise: $src/run.json: unknown kernel spec '$spec'"
	planted=$(field "$src/run.json" kmod_planted || echo none)
	planted_check "$planted"
	kmod_params_of "$src/run.json"
}

# mini_units: U_* from hpc-scenario units; every unit kept to begin with.
mini_units() {
	local first last kind desc delay count
	while IFS=$'\t' read -r first last kind desc delay count; do
		U_FIRST+=("$first") U_LAST+=("$last") U_KIND+=("$kind")
		U_DESC+=("$desc") U_DELAY+=("$delay") U_COUNT+=("$count")
	done < <("$HPC_BIN/hpc-scenario" units "$MINI_SCN")
	[[ ${#U_FIRST[@]} -gt 0 ]] || die 2 "minimise: $MINI_SCN: no steps or actions found"
	mapfile -t KEEP < <(seq 0 $((${#U_FIRST[@]} - 1)))
}

# mini_edits KEEP_NAME SET_NAME: the hpc-scenario edit words of a candidate
# (the units not in the array KEEP_NAME dropped, the values of the
# associative array SET_NAME, "LINE:KEY" -> N, set on the units kept), sorted.
mini_edits() {
	local -n _keep=$1 _set=$2
	local i k
	local -A kept=()
	for i in "${_keep[@]}"; do kept[${U_FIRST[i]}]=1; done
	{
		for i in "${!U_FIRST[@]}"; do
			[[ -n ${kept[${U_FIRST[i]}]:-} ]] || echo "drop:${U_FIRST[i]}"
		done
		for k in "${!_set[@]}"; do
			[[ -z ${kept[${k%%:*}]:-} ]] || echo "$k=${_set[$k]}"
		done
	} | LC_ALL=C sort
}

# mini_plan_add ENTRY: one more run in the plan (rewritten whole).
mini_plan_add() {
	{ cat "$RUN_DIR/plan"; echo "$1"; } >"$RUN_DIR/plan.tmp"
	mv -f "$RUN_DIR/plan.tmp" "$RUN_DIR/plan"
}

# mini_run_one ENTRY FILE NOTE: one guest run of FILE with the original's
# seed; true when it gave the original's verdict, class and title. Its
# verdict line in MINI_RESULT.
mini_run_one() {
	local entry=$1 file=$2 v
	MINI_RUNS=$((MINI_RUNS + 1))
	mini_plan_add "$entry"
	slots_run_one "[$MINI_RUNS/$MINI_MAX]" "$entry" "$file" "$MINI_NAME" "$MINI_SEED" "$3"
	v=$RUN_DIR/$entry/verdict.json
	MINI_RESULT=$("$HPC_BIN/hpc-report" --verdict "$v" 2>/dev/null || true)
	MINI_RESULT=${MINI_RESULT:-ERROR: no verdict}
	"$HPC_BIN/hpc-report" --repro "$MINI_ORIG" "$v" >/dev/null 2>&1
}

# mini_tries FILE: up to MINI_TRIES runs of candidate MINI_K, until one gives
# the original's failure; MINI_OUTCOME (same, different, pass), MINI_RATE
# ("1/2": tries that reproduced / tries run), MINI_RUNLIST (JSON).
mini_tries() {
	local file=$1 t entry same=0
	MINI_RUNLIST='[]'
	for ((t = 1; t <= MINI_TRIES && MINI_RUNS < MINI_MAX; t++)); do
		entry=$(printf '01-%s-c%d-t%d' "$MINI_NAME" "$MINI_K" "$t")
		if mini_run_one "$entry" "$file" "c$MINI_K try $t"; then
			MINI_OUTCOME=same same=1
		elif [[ $MINI_RESULT =~ ^(PASS|XFAIL|RESET) ]]; then
			MINI_OUTCOME=pass
		else
			MINI_OUTCOME=different
		fi
		MINI_RUNLIST=$(jq -c --arg d "$entry" --arg r "$MINI_RESULT" '. + [{dir: $d, result: $r}]' <<<"$MINI_RUNLIST")
		[[ $MINI_OUTCOME != same ]] || break
	done
	MINI_RATE="$same/$(jq length <<<"$MINI_RUNLIST")"
}

# mini_try CHANGE KEEP_NAME SET_NAME: make candidate KEEP_NAME/SET_NAME (see
# mini_edits), lint it, and run it (mini_tries) unless it does not lint or
# the run budget is spent. MINI_OUTCOME: same, different, pass, invalid or
# budget; true when same. A candidate tried before is not run again.
mini_try() {
	local change=$1 key dir file lint=''
	local -a edits
	mapfile -t edits < <(mini_edits "$2" "$3")
	key="k:${edits[*]}"
	if [[ -n ${MINI_TRIED[$key]+set} ]]; then
		MINI_OUTCOME=${MINI_TRIED[$key]}
		[[ $MINI_OUTCOME == same ]]
		return
	fi
	if ((MINI_RUNS >= MINI_MAX)); then
		MINI_OUTCOME=budget
		return 1
	fi
	MINI_K=$((MINI_K + 1))
	dir=$RUN_DIR/candidates/c$MINI_K
	file=$dir/$MINI_NAME.scn
	mkdir -p "$dir"
	"$HPC_BIN/hpc-scenario" edit "$MINI_SCN" "${edits[@]}" >"$file" 2>"$dir/edit.log" ||
		die 1 "minimise: internal error: hpc-scenario edit: $(head -n 1 "$dir/edit.log")"
	msg "[c$MINI_K, $MINI_RUNS/$MINI_MAX runs] trying: $change"
	MINI_RUNLIST='[]' MINI_RATE=0/0
	if ! "$HPC_BIN/hpc-scenario" lint "$file" 2>"$dir/lint.log"; then
		MINI_OUTCOME=invalid
		lint=$(head -n 1 "$dir/lint.log")
		lint=${lint#"$file":}
		msg "[c$MINI_K] ... invalid, not booted: line $lint"
	else
		mini_tries "$file"
		msg "[c$MINI_K] ... $(mini_outcome_words) ($MINI_RATE tries)"
	fi
	MINI_TRIED[$key]=$MINI_OUTCOME
	MINI_CANDS+=("$(jq -n -c --argjson k "$MINI_K" --arg c "$change" --arg o "$MINI_OUTCOME" \
		--arg l "$lint" --argjson r "$MINI_RUNLIST" --arg f "candidates/c$MINI_K/$MINI_NAME.scn" \
		--argjson u "${#edits[@]}" \
		'{n: $k, change: $c, outcome: $o, file: $f, edits: $u, runs: $r} + (if $l == "" then {} else {lint: $l} end)')")
	[[ $MINI_OUTCOME == same ]] && MINI_LAST=$file
	mini_json
	[[ $MINI_OUTCOME == same ]]
}

# mini_outcome_words: MINI_OUTCOME as the progress line says it.
mini_outcome_words() {
	case $MINI_OUTCOME in
	same) echo "same failure" ;;
	pass) echo "pass: $MINI_RESULT" ;;
	*) echo "different: $MINI_RESULT" ;;
	esac
}

# mini_accept: the last candidate (it reproduced) is the best so far.
mini_accept() {
	cp "$MINI_LAST" "$RUN_DIR/minimised/$MINI_NAME.scn.tmp"
	mv -f "$RUN_DIR/minimised/$MINI_NAME.scn.tmp" "$RUN_DIR/minimised/$MINI_NAME.scn"
	MINI_RATE_AFTER=$MINI_RATE
	mini_json
}

# mini_descs A B: the units KEEP[A..B-1], as "run noise; on go signal poke".
mini_descs() {
	local i out=
	for ((i = $1; i < $2; i++)); do
		out+="${out:+; }${U_DESC[KEEP[i]]}"
	done
	printf '%s' "$out"
}

# mini_ddmin: delta debugging over KEEP: split it into n chunks, drop the
# first chunk whose removal still fails the same way (then n - 1 chunks),
# else twice as many chunks, until single units cannot go either (the
# result is 1-minimal). False when the run budget ran out.
mini_ddmin() {
	local n=2 len i a b removed
	local -a c_keep
	while ((${#KEEP[@]} >= 2)); do
		len=${#KEEP[@]}
		((n <= len)) || n=$len
		removed=0
		for ((i = 0; i < n; i++)); do
			a=$((i * len / n)) b=$(((i + 1) * len / n))
			c_keep=("${KEEP[@]:0:a}" "${KEEP[@]:b}")
			if mini_try "without $(mini_descs "$a" "$b")" c_keep MINI_SET; then
				KEEP=("${c_keep[@]}")
				mini_accept
				n=$((n > 3 ? n - 1 : 2)) removed=1
				break
			fi
			[[ $MINI_OUTCOME != budget ]] || return 1
		done
		if ((removed == 0)); then
			((n < len)) || return 0
			n=$((2 * n < len ? 2 * n : len))
		fi
	done
}

# mini_pin: each drawn first delay (after=MIN-MAX, @MIN-MAX) pinned to the
# value that fired in the failing run (its verdict.json's schedule), in one
# candidate: the failure then no longer depends on the seed's draw, and
# dropping an action no longer shifts the draws of those after it.
mini_pin() {
	local i l d what=
	local -A c_set=()
	for i in "${KEEP[@]}"; do
		[[ ${U_DELAY[i]} != - ]] || continue
		l=${U_FIRST[i]}
		d=$(jq -r --argjson l "$l" 'first(.schedule[]? | select(.line == $l) | .firings[0]?.delay_ms | numbers) // empty' "$MINI_ORIG" 2>/dev/null || true)
		[[ $d =~ ^[0-9]{1,7}$ ]] || continue
		c_set[$l:${U_DELAY[i]%%:*}]=$d
		if [[ ${U_DELAY[i]} == at:* ]]; then
			what+="${what:+, }${U_DESC[i]} @${U_DELAY[i]#at:} -> @$d"
		else
			what+="${what:+, }${U_DESC[i]} after=${U_DELAY[i]#after:} -> after=$d"
		fi
	done
	[[ -n $what ]] || return 0
	if mini_try "delays pinned to those that fired: $what" KEEP c_set; then
		for l in "${!c_set[@]}"; do MINI_SET[$l]=${c_set[$l]}; done
		mini_accept
	fi
	[[ $MINI_OUTCOME != budget ]]
}

# mini_counts: count=N of each action left, halved while the failure stays.
mini_counts() {
	local i l c k
	local -A c_set
	for i in "${KEEP[@]}"; do
		[[ ${U_COUNT[i]} != - ]] || continue
		l=${U_FIRST[i]}
		c=${MINI_SET[$l:count]:-${U_COUNT[i]}}
		while ((c > 1)); do
			c_set=()
			for k in "${!MINI_SET[@]}"; do c_set[$k]=${MINI_SET[$k]}; done
			c_set[$l:count]=$((c / 2))
			if ! mini_try "${U_DESC[i]}: count=$((c / 2)) (was $c)" KEEP c_set; then
				[[ $MINI_OUTCOME != budget ]] || return 1
				break
			fi
			c=$((c / 2))
			MINI_SET[$l:count]=$c
			mini_accept
		done
	done
}

# mini_lines FILE: its number of lines.
mini_lines() { wc -l <"$1" | tr -d ' '; }

# mini_json: RUN_DIR/minimise.json as things stand (rewritten whole after
# every candidate, so an interruption leaves it true).
mini_json() {
	local i l k body removed='[]' narrowed='[]' best=$RUN_DIR/minimised/$MINI_NAME.scn
	local -A kept=()
	for i in "${KEEP[@]}"; do kept[$i]=1; done
	for i in "${!U_FIRST[@]}"; do
		[[ -z ${kept[$i]:-} ]] || continue
		removed=$(jq -c --argjson f "${U_FIRST[i]}" --argjson l "${U_LAST[i]}" --arg k "${U_KIND[i]}" \
			--arg d "${U_DESC[i]}" '. + [{line: $f, last: $l, kind: $k, unit: $d}]' <<<"$removed")
	done
	for k in "${!MINI_SET[@]}"; do
		l=${k%%:*}
		for i in "${!U_FIRST[@]}"; do
			[[ ${U_FIRST[i]} == "$l" && -n ${kept[$i]:-} ]] || continue
			narrowed=$(jq -c --argjson l "$l" --arg d "${U_DESC[i]}" --arg k "${k#*:}" \
				--arg was "$([[ ${k#*:} == count ]] && echo "${U_COUNT[i]}" || echo "${U_DELAY[i]#*:}")" \
				--arg now "${MINI_SET[$k]}" '. + [{line: $l, unit: $d, key: $k, was: $was, now: $now}]' <<<"$narrowed")
		done
	done
	body=$(printf '%s\n' "${MINI_CANDS[@]}" | jq -s -c \
		--arg of "$MINI_TARGET" --arg name "$MINI_NAME" --arg outcome "$MINI_LINE" \
		--arg status "$MINI_STATUS" --argjson tries "$MINI_TRIES" --argjson max "$MINI_MAX" \
		--argjson runs "$MINI_RUNS" --argjson units0 "${#U_FIRST[@]}" --argjson units "${#KEEP[@]}" \
		--argjson lines0 "$(mini_lines "$MINI_SCN")" --argjson lines "$(mini_lines "$best")" \
		--arg file "minimised/$MINI_NAME.scn" --arg before "$MINI_RATE_BEFORE" \
		--arg after "$MINI_RATE_AFTER" --arg confirm "$MINI_RATE_CONFIRM" \
		--argjson removed "$removed" --argjson narrowed "$narrowed" \
		'{minimise_of: $of, scenario: $name, outcome: $outcome, status: $status,
		  tries: $tries, max_runs: $max, runs: $runs,
		  original: {units: $units0, lines: $lines0, reproduced: $before},
		  final: {units: $units, lines: $lines, file: $file, reproduced: $after,
			  confirmed: (if $confirm == "" then null else $confirm end)},
		  removed: $removed, narrowed: $narrowed, candidates: .}') ||
		die 1 "minimise: cannot make minimise.json (jq)"
	# the seed as written (jq 1.6 would round a 63-bit number)
	printf '{"seed": %s, %s\n' "$MINI_SEED" "${body#\{}" >"$RUN_DIR/minimise.json.tmp"
	mv -f "$RUN_DIR/minimise.json.tmp" "$RUN_DIR/minimise.json"
}

# mini_confirm: the minimised scenario run MINI_CONFIRM more times (outside
# the budget): how often it reproduces.
mini_confirm() {
	local t same=0
	((MINI_CONFIRM > 0)) || return 0
	msg "confirming: the minimised scenario $MINI_CONFIRM times, seed $MINI_SEED"
	for ((t = 1; t <= MINI_CONFIRM; t++)); do
		if mini_run_one "$(printf '01-%s-confirm-t%d' "$MINI_NAME" "$t")" \
			"$RUN_DIR/minimised/$MINI_NAME.scn" "confirm $t"; then
			same=$((same + 1))
		fi
		MINI_RUNS=$((MINI_RUNS - 1)) # not counted against --max-runs
	done
	MINI_RATE_CONFIRM="$same/$MINI_CONFIRM"
}

# mini_search: the original first (it must reproduce), then the pinned
# delays, ddmin over the units, the counts. 1 when the original did not
# reproduce.
mini_search() {
	local budget=0
	if ! mini_try "the original, unchanged" KEEP MINI_SET; then
		MINI_STATUS=not-reproduced
		mini_json
		msg "minimise: the original did not reproduce: $MINI_RATE tries gave $MINI_LINE (last: $MINI_RESULT); nothing to minimise against"
		return 1
	fi
	MINI_RATE_BEFORE=$MINI_RATE MINI_RATE_AFTER=$MINI_RATE
	mini_pin && mini_ddmin && mini_counts || budget=1
	if ((budget)); then
		MINI_STATUS=budget
	elif [[ ${#KEEP[@]} -lt ${#U_FIRST[@]} || ${#MINI_SET[@]} -gt 0 ]]; then
		MINI_STATUS=reduced
	else
		MINI_STATUS=minimal
	fi
	mini_json
	mini_confirm
	mini_json
}

# mini_summary: what was removed and narrowed, the sizes, the rates.
mini_summary() {
	local f=$RUN_DIR/minimise.json
	jq -r '.removed[] | "removed:  \(.kind) \(.unit) (line \(.line))"' "$f" >&2
	jq -r '.narrowed[] | "narrowed: \(.unit): \(.key) \(.was) -> \(.now) (line \(.line))"' "$f" >&2
	jq -r '"minimise: \(.original.units) -> \(.final.units) steps and actions, \(.original.lines) -> \(.final.lines) lines, "
		+ "\(.runs) runs, \(.candidates | length) candidates (\([.candidates[] | select(.outcome == "invalid")] | length) did not lint): "
		+ (if .status == "budget" then "run budget spent (--max-runs), maybe not minimal" else .status end)' "$f" >&2
	jq -r '"minimise: \(.outcome): reproduced \(.original.reproduced) tries before, \(.final.reproduced) after"
		+ (if .final.confirmed then ", confirmed in \(.final.confirmed)" else "" end)' "$f" >&2
	msg "minimised scenario: $RUN_DIR/minimised/$MINI_NAME.scn (minimise.json: every candidate)"
}

# mini_signal SIG: interrupted: the best so far stays, minimise.json says so.
mini_signal() {
	MINI_STATUS=interrupted
	mini_json || true
	msg "interrupted: the best so far is $RUN_DIR/minimised/$MINI_NAME.scn"
	on_signal "$1"
}

# mini_opts ARG...: the options of 'hpchaos minimise' into cmd_minimise's
# locals (accel results heartbeat targs) and MINI_TRIES, MINI_MAX, MINI_CONFIRM.
mini_opts() {
	opts_expand '--tries --max-runs --confirm --accel --backend --host --qemu --results --heartbeat' "$@"
	set -- "${OPTS_ARGV[@]}"
	while [[ $# -gt 0 ]]; do
		case $1 in
		--tries) MINI_TRIES=$(mini_num --tries "${2:-}" 1 100); shift 2 ;;
		--max-runs) MINI_MAX=$(mini_num --max-runs "${2:-}" 1 10000); shift 2 ;;
		--confirm) MINI_CONFIRM=$(mini_num --confirm "${2:-}" 0 1000); shift 2 ;;
		--symbols | --accel | --backend | --host | --qemu | --results | --heartbeat | -v | --verbose)
			guest_opt "$@"
			shift "$GUEST_OPT_WORDS"
			;;
		-h | --help) usage minimise; exit 0 ;;
		-*) die 2 "minimise: unknown option '$1' (see 'hpchaos minimise --help')" ;;
		*) targs+=("$1"); shift ;;
		esac
	done
	[[ ${#targs[@]} -ge 1 && ${#targs[@]} -le 2 ]] ||
		die 2 "minimise: expected a result directory (results/<id>/NN-name), or a run directory and a scenario name"
	check_heartbeat "$heartbeat"
	[[ -d ${targs[0]} ]] || die 2 "minimise: ${targs[0]}: no such directory"
}

# mini_num OPTION VALUE LO HI: VALUE as a number from LO to HI, or die 2.
mini_num() {
	if [[ ! $2 =~ ^[0-9]{1,6}$ ]] || ((10#$2 < $3 || 10#$2 > $4)); then
		die 2 "$1: expected a number from $3 to $4, got '$2'"
	fi
	echo $((10#$2))
}

cmd_minimise() {
	local accel=auto results=${HPC_RESULTS:-$PWD/results} heartbeat=60 spec planted rc=0
	local -a targs=()
	mini_opts "$@"
	mini_target "$(readlink -f "${targs[0]}")" "${targs[1]:-}"
	mini_original
	mini_units
	accel=$(accel_pick "$accel")
	[[ $planted == none ]] || export HPC_PLANTED=$planted

	trap 'mini_signal INT' INT
	trap 'mini_signal TERM' TERM
	trap 'mini_signal HUP' HUP
	image_ensure "$spec"
	backend_setup
	run_dir_open "$results"
	# shellcheck disable=SC2034 # read by run_start and run_reap (slots.sh)
	RUN_ACCEL=$accel RUN_HEARTBEAT=$heartbeat RUN_TKEY=${spec%%:*}-$IMG_RELEASE
	write_run_json "$RUN_DIR" "$RUN_ID" "$accel" "$MINI_SEED" "$spec" \
		"$(jq -n -c --arg t "$MINI_TARGET" --argjson n "$MINI_TRIES" --argjson m "$MINI_MAX" \
			'{minimise_of: $t, tries: $n, max_runs: $m}')"
	mkdir -m 0700 "$RUN_DIR/minimised" "$RUN_DIR/candidates"
	cp "$MINI_SCN" "$RUN_DIR/minimised/$MINI_NAME.scn"
	msg "minimise $RUN_ID: $MINI_TARGET ($MINI_LINE), seed $MINI_SEED, ${#U_FIRST[@]} steps and actions; kernel $spec ($IMG_RELEASE)${HPC_PLANTED:+, module with PLANTED BUG $HPC_PLANTED}; at most $MINI_MAX runs, up to $MINI_TRIES tries a candidate"
	mini_search || rc=$?
	trap - INT TERM HUP
	"$HPC_BIN/hpc-report" "$RUN_DIR" --quiet >/dev/null || true
	((rc != 0)) || mini_summary
	msg "results: $RUN_DIR"
	return "$rc"
}
