# shellcheck shell=bash
# 'hpchaos bisect': the first commit of a kernel git tree at which a
# failure comes back; and 'hpchaos bisect-run', the same judgement of one
# commit for a 'git bisect run' the user drives.
#
# The user's repository is only read: the commits are checked out in a
# clone of it in the cache (HPC_CACHE/bisect/<tree>/linux, objects
# hard-linked, nothing registered in the user's .git), and git's own bisect
# runs there. The clone stays between bisects, so its files keep their
# times and every step is an incremental build (tree:PATH, mirrored into
# the cache like any tree). An interruption resets the clone's bisect and
# leaves the user's repository as it was, since it was never written.
#
# Each step: build (a failed build is a skip), then 'hpchaos repro' of the
# target result on that kernel, --tries times. Judgement (bisect_judge):
# bad when a try gives the target's verdict, class and title; good when no
# try fails; skip when every try is ERROR; a FAIL with another title is
# 'other': reported, and skipped rather than counted as bad.

BISECT_DIR=
BISECT_CLONE=

# bisect_outcome VERDICT_JSON: "VERDICT<TAB>CLASS<TAB>TITLE" of a result.
bisect_outcome() {
	jq -r '[.verdict // "?", .class // "-", .title // .reason // ""] | @tsv' "$1" 2>/dev/null
}

# bisect_judge ORIG VERDICT_JSON...: bad|good|skip|other, a tab, the reason.
bisect_judge() {
	local orig=$1 want v got n=0 same=0 fail=0 err=0 other=''
	shift
	want=$(bisect_outcome "$orig")
	for v in "$@"; do
		n=$((n + 1))
		got=$(bisect_outcome "$v" || echo "ERROR	-	no verdict")
		if [[ $got == "$want" ]]; then
			same=$((same + 1))
		elif [[ $got == FAIL$'\t'* ]]; then
			fail=$((fail + 1))
			[[ -n $other ]] || other=${got//$'\t'/ }
		elif [[ $got == ERROR$'\t'* ]]; then
			err=$((err + 1))
		fi
	done
	if ((n == 0)); then
		printf 'skip\tno try ran\n'
	elif ((same > 0)); then
		printf 'bad\t%d of %d tries: %s\n' "$same" "$n" "${want//$'\t'/ }"
	elif ((fail > 0)); then
		printf 'other\t%d of %d tries failed differently: %s\n' "$fail" "$n" "$other"
	elif ((err == n)); then
		printf 'skip\tevery try was ERROR\n'
	else
		printf 'good\tno FAIL in %d tries\n' "$n"
	fi
}

# bisect_tries_default RESULT: tries enough to see the failure with 95%
# odds, from how often it came in the result's own run (other results of
# the same scenario there: a soak or a repro); 3 when it ran once.
bisect_tries_default() {
	local res=$1 run name want v total=0 same=0
	run=$(dirname "$res")
	name=$(jq -r .scenario "$res/verdict.json")
	want=$(bisect_outcome "$res/verdict.json")
	for v in "$run"/[0-9]*-*/verdict.json; do
		[[ -f $v && $(jq -r .scenario "$v" 2>/dev/null) == "$name" ]] || continue
		total=$((total + 1))
		[[ $(bisect_outcome "$v") != "$want" ]] || same=$((same + 1))
	done
	if ((total < 2 || same == 0)); then
		echo 3
		return
	fi
	# the smallest n with (1 - same/total)^n <= 0.05, at most 10
	awk -v p="$same" -v q="$total" 'BEGIN { r = p / q; n = 1; m = 1 - r;
		while (m > 0.05 && n < 10) { m *= 1 - r; n++ } print n }'
}

# bisect_rev TOP REV: the full commit id of REV in the user's tree.
bisect_rev() {
	git -C "$1" rev-parse --verify --quiet "$2^{commit}" ||
		die 2 "bisect: '$2' is not a commit of $1"
}

# bisect_clone TOP SHA...: the cache's clone of TOP, holding SHA...;
# its path in BISECT_CLONE.
bisect_clone() {
	local top=$1 dir
	shift
	dir=$HPC_CACHE/bisect/$(printf '%s' "$top" | sha256sum | cut -c1-16)
	BISECT_CLONE=$dir/linux
	mkdir -p "$dir"
	if ! git -C "$BISECT_CLONE" rev-parse --git-dir >/dev/null 2>&1; then
		rm -rf "$BISECT_CLONE"
		progress "cloning $top into the cache (objects hard-linked; once per tree)"
		git clone --quiet --no-checkout "$top" "$BISECT_CLONE" ||
			die 1 "bisect: cannot clone $top into $BISECT_CLONE"
		progress_done
		printf '%s\n' "$top" >"$dir/origin"
	fi
	git -C "$BISECT_CLONE" bisect reset HEAD >/dev/null 2>&1 || true # HEAD: no checkout, the files keep their times
	git -C "$BISECT_CLONE" fetch --quiet "$top" "$@" ||
		die 1 "bisect: cannot fetch $* from $top into $BISECT_CLONE"
}

# bisect_child LOG CMD...: CMD with its output into LOG.
bisect_child() {
	local log=$1
	shift
	"$@" >"$log" 2>&1
}

# bisect_build DIR: build the clone's checked-out commit (tree:CLONE);
# status 0 when it built. Its output in DIR/image.log.
bisect_build() {
	local dir=$1 out
	bg_run out bisect_child "$dir/image.log" "$HPC_TOP/runner/hpchaos" image --kernel "tree:$BISECT_CLONE"
}

# bisect_repro DIR TARGET TRIES KERNEL: TRIES replays of the TARGET result
# on KERNEL into DIR; the tries' verdict files in BISECT_VERDICTS.
bisect_repro() {
	local dir=$1 target=$2 tries=$3 kernel=$4 out rc=0
	BISECT_VERDICTS=()
	bg_run out bisect_child "$dir/repro.log" "$HPC_TOP/runner/hpchaos" repro \
		--kernel "$kernel" --tries "$tries" --results "$dir" "$target" || rc=$?
	((rc != 3)) || return 3
	mapfile -t BISECT_VERDICTS < <(find "$dir" -mindepth 3 -maxdepth 3 -name verdict.json | LC_ALL=C sort)
	return 0
}

# bisect_step N SHA KIND: build and judge one commit of the clone; a line
# of the table, one JSON line in steps.jsonl; the judgement in BISECT_J.
bisect_step() {
	local n=$1 sha=$2 kind=$3 dir t0 bsecs j reason subject outs v
	dir=$BISECT_DIR/steps/$(printf '%02d' "$n")-${sha:0:12}
	mkdir -p "$dir"
	git -C "$BISECT_CLONE" checkout --quiet --detach "$sha" ||
		die 1 "bisect: cannot check out $sha in $BISECT_CLONE"
	subject=$(git -C "$BISECT_CLONE" log -1 --format=%s "$sha")
	msg "step $n ($kind): ${sha:0:12} $subject: building"
	t0=$SECONDS
	if bisect_build "$dir"; then
		bsecs=$((SECONDS - t0))
		msg "step $n: built in ${bsecs} s; $BISECT_TRIES tries of $BISECT_NAME"
		bisect_repro "$dir" "$BISECT_TARGET" "$BISECT_TRIES" "tree:$BISECT_CLONE" || return 3
		IFS=$'\t' read -r j reason < <(bisect_judge "$BISECT_TARGET/verdict.json" "${BISECT_VERDICTS[@]}")
	else
		bsecs=$((SECONDS - t0))
		j=skip
		reason="the build failed: $(grep -m 1 -E 'error:|Error [0-9]' "$dir/image.log" | cut -c1-200 || echo "see image.log")"
		BISECT_VERDICTS=()
	fi
	outs=()
	for v in "${BISECT_VERDICTS[@]}"; do
		outs+=("$(bisect_outcome "$v" | tr '\t' ' ')")
	done
	BISECT_J=$j
	printf '%-3s %-12s %-12s %-5s %6ss  %s\n' "$n" "$kind" "${sha:0:12}" "$j" "$((SECONDS - t0))" "$reason" |
		tee -a "$BISECT_DIR/table.txt"
	jq -n -c --argjson n "$n" --arg c "$sha" --arg s "$subject" --arg k "$kind" --arg j "$j" \
		--arg r "$reason" --argjson b "$bsecs" --argjson t "$((SECONDS - t0))" \
		--arg d "${dir#"$BISECT_DIR"/}" '{step: $n, commit: $c, subject: $s, kind: $k,
		judgement: $j, reason: $r, build_s: $b, seconds: $t, dir: $d, tries: $ARGS.positional}' \
		--args "${outs[@]}" >>"$BISECT_DIR/steps.jsonl"
}

# bisect_write_json STATUS FIRST_BAD: bisect.json from what is known.
bisect_write_json() {
	local status=$1 first=${2:-} steps='[]' subject=''
	[[ ! -s $BISECT_DIR/steps.jsonl ]] || steps=$(jq -s -c . "$BISECT_DIR/steps.jsonl")
	[[ -z $first ]] || subject=$(git -C "$BISECT_CLONE" log -1 --format=%s "$first" 2>/dev/null || true)
	jq -n --arg status "$status" --arg tree "$BISECT_TOP" --arg bad "$BISECT_BAD" \
		--arg first "$first" --arg subject "$subject" --arg target "$BISECT_TARGET" \
		--slurpfile v "$BISECT_TARGET/verdict.json" --argjson tries "$BISECT_TRIES" \
		--argjson est "$BISECT_EST" --argjson steps "$steps" --arg cands "${BISECT_CANDS:-}" \
		'{schema: 1, status: $status, tree: $tree, bad: $bad, good: $ARGS.positional,
		  target: {result: $target, scenario: $v[0].scenario, seed: $v[0].seed,
		           verdict: $v[0].verdict, class: $v[0].class, title: $v[0].title},
		  tries: $tries, estimated_steps: $est,
		  first_bad: (if $first == "" then null else {commit: $first, subject: $subject} end),
		  candidates: ($cands | split(" ") | map(select(length > 0))),
		  steps: $steps}' --args "${BISECT_GOODS[@]}" >"$BISECT_DIR/bisect.json.tmp"
	mv -f "$BISECT_DIR/bisect.json.tmp" "$BISECT_DIR/bisect.json"
}

# bisect_on_signal SIG: stop the step's children, reset the clone's
# bisect, keep what was learnt, exit 3.
bisect_on_signal() {
	trap '' INT TERM HUP
	msg "interrupted (SIG$1): stopping the step"
	kill_children
	cache_drop_mine
	if [[ -n $BISECT_CLONE ]]; then
		[[ -z $BISECT_DIR ]] || git -C "$BISECT_CLONE" bisect log >"$BISECT_DIR/bisect.log" 2>/dev/null || true
		git -C "$BISECT_CLONE" bisect reset HEAD >/dev/null 2>&1 || true # HEAD: no checkout, the files keep their times
	fi
	if [[ -n $BISECT_DIR && -d $BISECT_DIR ]]; then
		bisect_write_json interrupted "" || true
		msg "what was learnt so far: $BISECT_DIR/bisect.json"
	fi
	exit 3
}

# bisect_opts ARG...: the options of 'hpchaos bisect' and 'bisect-run'
# into the caller's locals (tree bad goods tries config results target).
bisect_opts() {
	local cmd=$1
	shift
	opts_expand '--tree --good --bad --tries --config --results' "$@"
	set -- "${OPTS_ARGV[@]}"
	while [[ $# -gt 0 ]]; do
		case $1 in
		--tree) tree=${2:?--tree needs a value}; shift 2 ;;
		--good) goods+=("${2:?--good needs a value}"); shift 2 ;;
		--bad) bad=${2:?--bad needs a value}; shift 2 ;;
		--tries) tries=${2:?--tries needs a value}; shift 2 ;;
		--config) config=${2:?--config needs a value}; shift 2 ;;
		--results) results=${2:?--results needs a value}; shift 2 ;;
		-h | --help) usage "$cmd"; exit 0 ;;
		-*) die 2 "$cmd: unknown option '$1' (see 'hpchaos $cmd --help')" ;;
		*)
			[[ -z $target ]] || die 2 "$cmd: one result directory, please (got '$target' and '$1')"
			target=$1
			shift
			;;
		esac
	done
	[[ -n $target ]] || die 2 "$cmd: expected the failing result: results/<id>/NN-name"
	[[ -f $target/verdict.json && -f $target/../run.json ]] ||
		die 2 "$cmd: $target is not a scenario result of a hpchaos run (results/<id>/NN-name with verdict.json)"
	target=$(readlink -f "$target")
	[[ $(jq -r .verdict "$target/verdict.json") == FAIL ]] ||
		die 2 "$cmd: $target did not FAIL ($(bisect_outcome "$target/verdict.json" | tr '\t' ' ')): nothing to look for"
	if [[ -n $tries ]]; then
		if [[ ! $tries =~ ^[0-9]{1,2}$ ]] || ((10#$tries < 1 || 10#$tries > 50)); then
			die 2 "--tries: expected a number from 1 to 50, got '$tries'"
		fi
		tries=$((10#$tries))
	else
		tries=$(bisect_tries_default "$target")
	fi
	[[ -z $config || -f $config ]] || die 2 "--config $config: no such file"
}

# bisect_git ARG...: run the clone's git bisect ARG... (start, good, bad,
# skip); sets BISECT_FIRST
# when it names the first bad commit, BISECT_CANDS when only skipped
# commits are left.
bisect_git() {
	local out rc=0
	out=$(git -C "$BISECT_CLONE" bisect "$@" 2>&1) || rc=$?
	git -C "$BISECT_CLONE" bisect log >"$BISECT_DIR/bisect.log" 2>/dev/null || true
	if [[ $out =~ (^|$'\n')([0-9a-f]{40})\ is\ the\ first\ bad\ commit ]]; then
		BISECT_FIRST=${BASH_REMATCH[2]}
	elif [[ $out == *"only 'skip'ped commits left"* ]]; then
		BISECT_CANDS=$(grep -oE '^[0-9a-f]{40}' <<<"$out" | paste -sd' ' || true)
		[[ -n $BISECT_CANDS ]] || BISECT_CANDS=none
	elif ((rc != 0)); then
		die 1 "bisect: git bisect $* failed: ${out%%$'\n'*}"
	fi
}

# bisect_setup TREE BAD GOOD...: the user's tree and revisions into
# BISECT_TOP, BISECT_BAD, BISECT_GOODS (checked: commits, goods ancestors
# of bad).
bisect_setup() {
	local tree=$1 bad=$2 g sha
	shift 2
	BISECT_TOP=$(git -C "$tree" rev-parse --show-toplevel 2>/dev/null) ||
		die 2 "bisect: --tree $tree: not inside a git work tree"
	[[ -f $BISECT_TOP/Makefile && -d $BISECT_TOP/arch/x86 ]] ||
		die 2 "bisect: $BISECT_TOP: not a kernel tree (no Makefile or arch/x86)"
	BISECT_BAD=$(bisect_rev "$BISECT_TOP" "$bad")
	BISECT_GOODS=()
	for g in "$@"; do
		sha=$(bisect_rev "$BISECT_TOP" "$g")
		[[ $sha != "$BISECT_BAD" ]] || die 2 "bisect: good '$g' and bad '$bad' are the same commit"
		git -C "$BISECT_TOP" merge-base --is-ancestor "$sha" "$BISECT_BAD" ||
			die 2 "bisect: good '$g' is not an ancestor of bad '$bad'"
		BISECT_GOODS+=("$sha")
	done
}

# bisect_open RESULTS CONFIG: the bisect's private directory (BISECT_DIR)
# and the one kernel config of every step.
bisect_open() {
	local results=$1 config=$2
	mkdir -p "$results"
	BISECT_DIR=$results/bisect-$(date -u +%Y%m%d-%H%M%S)-$(printf '%08x' "$SRANDOM")
	mkdir -m 0700 "$BISECT_DIR"
	mkdir "$BISECT_DIR/steps"
	if [[ -n $config ]]; then
		cp "$config" "$BISECT_DIR/config"
		export HPC_KCONFIG=$BISECT_DIR/config
	fi
	printf '%-3s %-12s %-12s %-5s %7s  %s\n' step kind commit judge time reason >"$BISECT_DIR/table.txt"
}

# bisect_ends: check that the failure comes back at bad and not at the goods.
bisect_ends() {
	local g
	bisect_step 1 "$BISECT_BAD" check-bad || exit 3
	if [[ $BISECT_J != bad ]]; then
		bisect_write_json bad-does-not-fail ""
		die 1 "bisect: the failure does not come back at bad ${BISECT_BAD:0:12} ($(tail -n 1 "$BISECT_DIR/table.txt" | cut -c40-)); nothing to bisect"
	fi
	BISECT_N=1
	for g in "${BISECT_GOODS[@]}"; do
		BISECT_N=$((BISECT_N + 1))
		bisect_step "$BISECT_N" "$g" check-good || exit 3
		case $BISECT_J in
		bad)
			bisect_write_json good-is-bad ""
			die 1 "bisect: the failure comes back at good ${g:0:12} too; give an older --good"
			;;
		good) ;;
		*) msg "warning: good ${g:0:12} could not be checked ($BISECT_J); taken as good, as given" ;;
		esac
	done
}

cmd_bisect() {
	local tree=. bad=HEAD tries='' config='' results=${HPC_RESULTS:-$PWD/results} target='' lockfd sha count
	local -a goods=()
	BISECT_FIRST='' BISECT_CANDS='' BISECT_EST=0
	bisect_opts bisect "$@"
	((${#goods[@]} > 0)) || die 2 "bisect: --good REV is needed (a commit where the scenario does not fail)"
	bisect_setup "$tree" "$bad" "${goods[@]}"
	[[ -n $config || ! -f $BISECT_TOP/.config ]] || config=$BISECT_TOP/.config
	BISECT_TARGET=$target BISECT_TRIES=$tries BISECT_NAME=$(jq -r .scenario "$target/verdict.json")
	trap 'bisect_on_signal INT' INT
	trap 'bisect_on_signal TERM' TERM
	trap 'bisect_on_signal HUP' HUP
	bisect_clone "$BISECT_TOP" "$BISECT_BAD" "${BISECT_GOODS[@]}"
	exec {lockfd}>"${BISECT_CLONE%/linux}/lock"
	flock -n "$lockfd" || die 1 "bisect: another bisect of $BISECT_TOP is running"
	bisect_open "$results" "$config"
	count=$(git -C "$BISECT_CLONE" rev-list --count "$BISECT_BAD" --not "${BISECT_GOODS[@]}")
	BISECT_EST=$(git -C "$BISECT_CLONE" rev-list --bisect-vars "$BISECT_BAD" --not "${BISECT_GOODS[@]}" |
		sed -n "s/^bisect_steps=//p")
	msg "bisect $BISECT_DIR: $count commits, about $((BISECT_EST + 1)) steps after checking the $((${#goods[@]} + 1)) ends;" \
		"$BISECT_TRIES tries of $BISECT_NAME per step, looking for: $(bisect_outcome "$target/verdict.json" | tr '\t' ' ')"
	bisect_write_json running ""
	bisect_ends
	bisect_git start "$BISECT_BAD" "${BISECT_GOODS[@]}"
	while [[ -z $BISECT_FIRST && -z $BISECT_CANDS ]]; do
		sha=$(git -C "$BISECT_CLONE" rev-parse HEAD)
		BISECT_N=$((BISECT_N + 1))
		bisect_step "$BISECT_N" "$sha" bisect || exit 3
		bisect_write_json running ""
		case $BISECT_J in
		bad | good) bisect_git "$BISECT_J" "$sha" ;;
		*) bisect_git skip "$sha" ;;
		esac
	done
	git -C "$BISECT_CLONE" bisect reset HEAD >/dev/null 2>&1 || true # HEAD: no checkout, the files keep their times
	if [[ -n $BISECT_FIRST ]]; then
		bisect_write_json found "$BISECT_FIRST"
		printf 'first bad commit: %s %s\n' "$BISECT_FIRST" "$(git -C "$BISECT_CLONE" log -1 --format=%s "$BISECT_FIRST")"
		printf 'after %d steps in %d s; bisect.json, bisect.log and the steps in %s\n' "$BISECT_N" "$SECONDS" "$BISECT_DIR"
		return 0
	fi
	bisect_write_json only-skipped-left ""
	printf 'the first bad commit could be any of (the others were skipped): %s\n' "$BISECT_CANDS"
	printf 'bisect.json, bisect.log and the steps in %s\n' "$BISECT_DIR"
	return 1
}

# cmd_bisect_run: one commit, the user's tree as it is checked out, for
# 'git bisect run hpchaos bisect-run RESULT': exit 0 good, 1 bad, 125 skip
# (a failed build, every try ERROR, or a failure with another title), and
# 255, which stops git's bisect, on bad input or an interruption.
cmd_bisect_run() {
	local tree=. bad='' tries='' config='' results=${HPC_RESULTS:-$PWD/results} target='' j reason
	local -a goods=()
	# shellcheck disable=SC2034 # read by die (common.sh)
	HPC_DIE_CODE=255 # not 2 or 1, which git bisect run would take for "bad"
	trap 'kill_children; cache_drop_mine; exit 255' INT TERM HUP
	bisect_opts bisect-run "$@"
	BISECT_TOP=$(git -C "$tree" rev-parse --show-toplevel 2>/dev/null) ||
		die 2 "bisect-run: --tree $tree: not inside a git work tree"
	[[ -n $config ]] && export HPC_KCONFIG=$config
	mkdir -p "$results"
	BISECT_DIR=$results/bisect-run-$(git -C "$BISECT_TOP" rev-parse --short=12 HEAD)-$(printf '%08x' "$SRANDOM")
	mkdir -m 0700 "$BISECT_DIR"
	msg "bisect-run: $(git -C "$BISECT_TOP" log -1 --format='%h %s'): building tree:$BISECT_TOP"
	local out
	if ! bg_run out bisect_child "$BISECT_DIR/image.log" "$HPC_TOP/runner/hpchaos" image --kernel "tree:$BISECT_TOP"; then
		msg "bisect-run: the build failed (see $BISECT_DIR/image.log): skip"
		exit 125
	fi
	bisect_repro "$BISECT_DIR" "$target" "$tries" "tree:$BISECT_TOP" || exit 255
	IFS=$'\t' read -r j reason < <(bisect_judge "$target/verdict.json" "${BISECT_VERDICTS[@]}")
	msg "bisect-run: $j: $reason (results in $BISECT_DIR)"
	case $j in
	good) exit 0 ;;
	bad) exit 1 ;;
	other) msg "warning: a failure with another title: skipped, not counted as bad" ;;
	esac
	exit 125
}
