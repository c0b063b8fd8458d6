# shellcheck shell=bash
# 'hpchaos run' and 'hpchaos repro': one run directory, one conductor per
# scenario run, one report.

RUN_DIR=
HPC_SEED_MAX=9223372036854775807 # seeds are 0..2^63-1 (JSON integers)

# run_dir_open RESULTS: a fresh, private run directory in RUN_DIR (its id,
# RUN_ID, is unique even when runs start in the same second), with an empty
# plan, and RESULTS/latest pointing at it. RUN_DIR is set before the
# directory is made, so a signal at any moment finds what exists: on_signal
# writes its summary and links 'latest' if this did not get that far.
run_dir_open() {
	local results=$1 base cand
	mkdir -p "$results"
	base=$results/$(date -u +%Y%m%d-%H%M%S)
	while :; do
		printf -v cand "%s-%08x" "$base" "$SRANDOM"
		[[ ! -e $cand ]] || continue # another run had the same second and number
		RUN_DIR=$cand
		mkdir -m 0700 "$RUN_DIR" 2>/dev/null && break
		[[ -e $RUN_DIR ]] || die 1 "cannot make a run directory in $results"
		RUN_DIR=
	done
	RUN_ID=${RUN_DIR##*/}
	: >"$RUN_DIR/plan"
	ln -sfn "$RUN_ID" "$results/latest"
}

# write_run_json DIR RUN_ID ACCEL SEED KERNEL_SPEC [EXTRA]: run.json, read by
# hpc-report (which copies it into summary.json) and by 'hpchaos repro'
# (kernel.spec and kmod_planted say which image to boot again). EXTRA is a
# JSON object of more members (made with jq). Built by jq, but for the seed:
# jq 1.6 keeps numbers as doubles, and a 63-bit seed would lose its last
# digits, so the seed (checked: decimal digits only) goes in as written.
write_run_json() {
	local dir=$1 id=$2 accel=$3 seed=$4 spec=$5 extra=${6:-'{}'} body
	[[ $seed =~ ^[0-9]{1,19}$ ]] || die 1 "internal error: seed '$seed' for run.json"
	body=$(jq -n -c --arg id "$id" --arg started "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		--arg accel "$accel" --arg spec "$spec" --arg release "$IMG_RELEASE" \
		--arg source "$IMG_SOURCE" --arg planted "${HPC_PLANTED:-none}" \
		--arg kp "${HPC_KMOD_PARAMS:-}" \
		--arg host "$(uname -n)" --argjson extra "$extra" \
		'{run_id: $id, started: $started, accel: $accel,
		  kernel: {spec: $spec, release: $release, source: $source},
		  kmod_planted: $planted, kmod_params: ($kp | split(" ") | map(select(length > 0)))} + $extra + {host: $host}') ||
		die 1 "cannot make run.json (jq)"
	printf '{"seed": %s, %s\n' "$seed" "${body#\{}" >"$dir/run.json"
}

# kmod_param_opt NAME=VALUE: one more parameter of hpchaos.ko for every
# guest of the run (hpchaos.NAME=VALUE on the guest's kernel command line,
# which modprobe applies), kept in run.json for repro, minimise and bisect.
kmod_param_opt() {
	[[ $1 =~ ^[a-z_][a-z0-9_]{0,31}=[A-Za-z0-9_.,:+-]{1,64}$ ]] ||
		die 2 "--kmod-param: expected NAME=VALUE, a parameter of hpchaos.ko (e.g. bar_map=page), got '$1'"
	export HPC_KMOD_PARAMS="${HPC_KMOD_PARAMS:+$HPC_KMOD_PARAMS }$1"
}

# kmod_params_of RUN_JSON: the module parameters of a recorded run, again.
kmod_params_of() {
	local p
	while IFS= read -r p; do
		[[ -z $p ]] || kmod_param_opt "$p"
	done < <(jq -r '(.kmod_params // [])[]' "$1" 2>/dev/null || true)
}

# on_signal SIG: stop the conductors (each kills its QEMU and writes its
# verdict as interrupted), report what finished, exit.
on_signal() {
	local n
	# a second signal must not cut the clean-up short (the default action
	# would end this shell with the children it is stopping still running)
	trap '' INT TERM HUP
	slots_erase
	n=$(slots_busy || true)
	msg "interrupted (SIG$1): stopping ${n:-0} running guest(s)"
	kill_children
	cache_drop_mine
	if [[ -n $RUN_DIR && -d $RUN_DIR ]]; then
		# run_dir_open may not have got to the plan or the link
		[[ -f $RUN_DIR/plan ]] || : >"$RUN_DIR/plan"
		ln -sfn "${RUN_DIR##*/}" "${RUN_DIR%/*}/latest" || true
		"$HPC_BIN/hpc-report" "$RUN_DIR" --interrupted || true
		msg "partial results in $RUN_DIR"
	fi
	exit 3
}

# seed_plus SEED K: SEED + K, wrapping within 0..HPC_SEED_MAX.
seed_plus() {
	local seed=$1 k=$2
	if ((seed > HPC_SEED_MAX - k)); then
		echo $((k - (HPC_SEED_MAX - seed) - 1))
	else
		echo $((seed + k))
	fi
}

# parse_duration T: seconds of 90, 90s, 10m, 2h or 1d (no more than 30 days).
parse_duration() {
	local t=$1 n unit
	[[ $t =~ ^([0-9]{1,7})([smhd]?)$ ]] || die 2 "--duration: expected a time like 90s, 10m, 2h or 1d, got '$t'"
	n=$((10#${BASH_REMATCH[1]}))
	unit=${BASH_REMATCH[2]}
	case $unit in
	m) n=$((n * 60)) ;;
	h) n=$((n * 3600)) ;;
	d) n=$((n * 86400)) ;;
	esac
	((n >= 1 && n <= 30 * 86400)) || die 2 "--duration: expected 1 s to 30 days, got '$t'"
	echo "$n"
}

# fmt_secs S: 75 -> 1m15s
fmt_secs() {
	local s=$1
	if ((s >= 3600)); then
		printf '%dh%02dm' $((s / 3600)) $((s % 3600 / 60))
	elif ((s >= 60)); then
		printf '%dm%02ds' $((s / 60)) $((s % 60))
	else
		printf '%ds' "$s"
	fi
}

# check_seed SEED: die 2 unless a decimal seed in 0..HPC_SEED_MAX.
check_seed() {
	local s
	[[ $1 =~ ^0*([0-9]{0,19})$ ]] || die 2 "--seed: expected a decimal number from 0 to $HPC_SEED_MAX, got '$1'"
	s=${BASH_REMATCH[1]}
	[[ ${#s} -lt 19 ]] && return 0
	if ((10#${s:0:18} > 922337203685477580 || (10#${s:0:18} == 922337203685477580 && ${s:18:1} > 7))); then
		die 2 "--seed: expected a decimal number from 0 to $HPC_SEED_MAX, got '$1'"
	fi
}

# The run's plan and queue (cmd_run sets them).
RUN_FILES=()      # scenario files, in the order of the selection
RUN_NAMES=()      # their names
RUN_TIMEOUTS=()   # their timeouts (s)
RUN_VCPUS=1       # the most vCPUs of a selected scenario's guest
RUN_MEM=0         # the most MiB a selected scenario's guest needs backed
RUN_ORDER=()      # indices into the above, in the order to start them
RUN_SEED=0
RUN_SOAK=0        # 1: --repeat or --duration (NN-name-rR directories)
RUN_REPEAT=1      # repetitions (a --duration soak: at most this many)
RUN_DURATION=     # --duration in s, or empty
RUN_END=0         # SECONDS when a --duration soak stops starting runs
RUN_TOTAL=0       # runs planned (without --duration)
RUN_N=0           # runs started
Q_REP=1           # the queue: repetition and place in RUN_ORDER of the next run
Q_POS=0
JOB_REP=0         # the run job_next picked
JOB_IDX=0
PLAN_STARTED=()   # --duration: rep * 100000 + index -> entry of the runs started

# entry_name IDX REP: the result directory of repetition REP of scenario IDX.
entry_name() {
	if [[ $RUN_SOAK == 1 ]]; then
		printf '%02d-%s-r%d' "$(($1 + 1))" "${RUN_NAMES[$1]}" "$2"
	else
		printf '%02d-%s' "$(($1 + 1))" "${RUN_NAMES[$1]}"
	fi
}

# plan_write_all: the whole plan up front, in plan order (repetition, then
# the selection): what an interruption leaves out is NOTRUN.
plan_write_all() {
	local rep i
	for ((rep = 1; rep <= RUN_REPEAT; rep++)); do
		for i in "${!RUN_FILES[@]}"; do
			entry_name "$i" "$rep"
			echo
		done
	done >"$RUN_DIR/plan.tmp"
	mv -f "$RUN_DIR/plan.tmp" "$RUN_DIR/plan"
}

# plan_add KEY ENTRY: a --duration soak's plan is the runs started so far,
# in plan order whatever order they started in (the table follows it);
# rewritten whole, atomically, before each start.
plan_add() {
	PLAN_STARTED[$1]=$2
	printf '%s\n' "${PLAN_STARTED[@]}" >"$RUN_DIR/plan.tmp"
	mv -f "$RUN_DIR/plan.tmp" "$RUN_DIR/plan"
}

# job_next: JOB_REP and JOB_IDX = the next run to start; false when there
# is none (all started, or a --duration soak's time is up; the first run
# always starts).
job_next() {
	if ((Q_POS >= ${#RUN_ORDER[@]})); then
		Q_POS=0
		Q_REP=$((Q_REP + 1))
	fi
	((Q_REP <= RUN_REPEAT)) || return 1
	[[ -z $RUN_DURATION ]] || ((RUN_N == 0 || SECONDS < RUN_END)) || return 1
	JOB_REP=$Q_REP
	JOB_IDX=${RUN_ORDER[Q_POS]}
	Q_POS=$((Q_POS + 1))
}

# job_start SLOT: start the run job_next picked on SLOT. Repetition r
# (1-based) of every scenario runs with seed + r - 1.
job_start() {
	local slot=$1 i=$JOB_IDX rep=$JOB_REP entry s label note=
	RUN_N=$((RUN_N + 1))
	entry=$(entry_name "$i" "$rep")
	s=$(seed_plus "$RUN_SEED" $((rep - 1)))
	if [[ -n $RUN_DURATION ]]; then
		plan_add $((rep * 100000 + i)) "$entry"
		label="[$RUN_N, $(fmt_secs $((RUN_END - SECONDS > 0 ? RUN_END - SECONDS : 0))) left]"
	else
		label="[$RUN_N/$RUN_TOTAL]"
	fi
	[[ $RUN_SOAK == 0 ]] || note="r$rep (seed $s)"
	run_start "$slot" "$label" "$entry" "${RUN_FILES[$i]}" "${RUN_NAMES[$i]}" "$s" "$note"
}

# run_jobs: keep every slot busy while there are runs to start; return when
# all have ended.
run_jobs() {
	while :; do
		while slot_free && job_next; do
			job_start "$FREE_SLOT"
		done
		slots_busy >/dev/null || break
		slots_wait
	done
	slots_end
}

# check_jobs N: die 2 unless N is auto or a number from 1 to HPC_JOBS_MAX.
check_jobs() {
	[[ $1 == auto ]] && return 0
	[[ $1 =~ ^[0-9]{1,6}$ ]] && ((10#$1 >= 1)) && return 0
	die 2 "-j: expected a number of guests (1 or more) or 'auto', got '$1'"
}

# run_read_scenarios FILE...: RUN_FILES, RUN_NAMES, RUN_TIMEOUTS; RUN_VCPUS
# and RUN_MEM (MiB) of the largest guest.
run_read_scenarios() {
	local name timeout cpus mem
	RUN_FILES=("$@") RUN_NAMES=() RUN_TIMEOUTS=() RUN_VCPUS=1 RUN_MEM=0
	while IFS=$'\t' read -r name timeout cpus mem; do
		RUN_NAMES+=("$name")
		RUN_TIMEOUTS+=("$timeout")
		((cpus <= RUN_VCPUS)) || RUN_VCPUS=$cpus
		((mem <= RUN_MEM)) || RUN_MEM=$mem
	done < <("$HPC_BIN/hpc-scenario" resources "$@")
	[[ ${#RUN_NAMES[@]} -eq $# ]] || die 2 "could not read the scenarios' machines"
}

# guest_opt ARG...: one of the options every command that boots guests takes
# (--symbols --accel --backend --host --qemu --results --heartbeat -v), into the
# calling command's accel, results and heartbeat; GUEST_OPT_WORDS = how
# many words it took.
guest_opt() {
	GUEST_OPT_WORDS=2
	case $1 in
	--symbols) export HPC_SYMBOLS=1; GUEST_OPT_WORDS=1 ;;
	--accel) accel=${2:?--accel needs a value} ;;
	--backend | --host) backend_opt "$1" "${2:?$1 needs a value}" ;;
	--qemu)
		[[ ${2:-} == @(system|current) ]] || die 2 "--qemu: expected system or current, got '${2:-}'"
		# shellcheck disable=SC2034 # read by runner/lib/qemu.sh
		HPC_QEMU_SEL=$2
		;;
	--results) results=${2:?--results needs a value} ;;
	--heartbeat) heartbeat=${2:?--heartbeat needs a value} ;;
	-v | --verbose) export HPC_VERBOSE=1; GUEST_OPT_WORDS=1 ;;
	*) die 2 "internal error: guest_opt '$1'" ;;
	esac
}

# run_opts ARG...: the options of 'hpchaos run', into cmd_run's locals
# (kernel seed accel results heartbeat repeat duration want_jobs args).
run_opts() {
	opts_expand '--kernel --config --seed --accel --backend --host --qemu --results --heartbeat --planted --kmod-param --repeat --duration' "$@"
	set -- "${OPTS_ARGV[@]}"
	while [[ $# -gt 0 ]]; do
		case $1 in
		--kernel) kernel=${2:?--kernel needs a value}; shift 2 ;;
		--config) kconfig_opt "${2:?--config needs a file}"; shift 2 ;;
		--seed) seed=${2:?--seed needs a value}; shift 2 ;;
		--planted) planted_check "${2:?--planted needs a value}"; export HPC_PLANTED=$2; shift 2 ;;
		--kmod-param) kmod_param_opt "${2:?--kmod-param needs NAME=VALUE}"; shift 2 ;;
		--keep-alive) keep_opt fail; shift ;;
		--keep-alive=*) keep_opt "${1#--keep-alive=}"; shift ;;
		--repeat) repeat=${2:?--repeat needs a value}; shift 2 ;;
		--duration) duration=$(parse_duration "${2:?--duration needs a value}"); shift 2 ;;
		-j | --jobs) want_jobs=${2:?-j needs a value}; shift 2 ;;
		-j?*) want_jobs=${1#-j}; shift ;;
		--jobs=*) want_jobs=${1#--jobs=}; shift ;;
		--symbols | --accel | --backend | --host | --qemu | --results | --heartbeat | -v | --verbose)
			guest_opt "$@"
			shift "$GUEST_OPT_WORDS"
			;;
		-h | --help) usage run; exit 0 ;;
		-*) die 2 "run: unknown option '$1' (see 'hpchaos run --help')" ;;
		*) args+=("$1"); shift ;;
		esac
	done
}

# check_heartbeat SECONDS: the --heartbeat of run and repro.
check_heartbeat() {
	[[ $1 =~ ^[0-9]{1,5}$ && $1 -ge 5 ]] || die 2 "--heartbeat: expected seconds >= 5"
}

# trap_signals: INT, TERM and HUP stop the run (on_signal).
trap_signals() {
	trap 'on_signal INT' INT
	trap 'on_signal TERM' TERM
	trap 'on_signal HUP' HUP
}

# run_soak_msg: say how a soak run repeats (cmd_run's repeat, duration,
# repeat_given); a run for a duration ends at RUN_END.
run_soak_msg() {
	if [[ -z $duration ]]; then
		msg "soak: $repeat repetitions; repetition r runs with seed $seed + r - 1"
	else
		msg "soak: for $(fmt_secs "$duration")${repeat_given:+ (at most $repeat repetitions)}; repetition r runs with seed $seed + r - 1"
		RUN_END=$((SECONDS + duration))
		[[ -n $repeat_given ]] || RUN_REPEAT=1000000
	fi
}

cmd_run() {
	local kernel=stock seed='' accel=auto results=${HPC_RESULTS:-$PWD/results} heartbeat=60
	local repeat='' repeat_given duration='' want_jobs=auto njobs
	local -a args=() files
	local rc=0 extra=''
	run_opts "$@"
	keep_check_backend
	if [[ -n $seed ]]; then
		check_seed "$seed"
		seed=$((10#$seed))
	fi
	check_heartbeat "$heartbeat"
	if [[ -n $repeat ]]; then
		if [[ ! $repeat =~ ^[0-9]{1,6}$ ]] || ((10#$repeat < 1 || 10#$repeat > 100000)); then
			die 2 "--repeat: expected a number from 1 to 100000, got '$repeat'"
		fi
		repeat=$((10#$repeat))
	fi
	check_jobs "$want_jobs"
	[[ $want_jobs == auto ]] || want_jobs=$((10#$want_jobs))
	[[ -z $repeat && -z $duration ]] || RUN_SOAK=1
	repeat_given=$repeat
	[[ -n $repeat ]] || repeat=1
	[[ ${#args[@]} -gt 0 ]] || args=(quick)
	mapfile -t files < <(scenarios_resolve "${args[@]}")
	[[ ${#files[@]} -gt 0 ]] || die 2 "nothing to run"
	"$HPC_BIN/hpc-scenario" lint "${files[@]}" || die 2 "scenario files have errors; nothing was booted"
	run_read_scenarios "${files[@]}"
	[[ -n $seed ]] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	accel=$(accel_pick "$accel")
	# a tree is recorded by its absolute path, for 'hpchaos repro'
	[[ $kernel != tree:* ]] || kernel=tree:$(readlink -f "${kernel#tree:}" || echo "${kernel#tree:}")
	[[ $kernel != build:* ]] || kernel=build:$(readlink -f "${kernel#build:}" || echo "${kernel#build:}")
	njobs=$((${#files[@]} * repeat))
	[[ -z $duration || -n $repeat_given ]] || njobs=0
	jobs_pick "$want_jobs" "$accel" "$njobs" "$RUN_VCPUS" "$RUN_MEM"
	if [[ $want_jobs == auto && ${#RUN_HOSTS[@]} -gt 1 ]]; then
		JOBS=$((JOBS * ${#RUN_HOSTS[@]}))
		((njobs == 0 || JOBS <= njobs)) || JOBS=$njobs
		JOBS_WHY+="; times ${#RUN_HOSTS[@]} hosts, each taken to hold what this machine holds"
	fi

	trap_signals
	image_ensure "$kernel"
	backend_setup

	run_dir_open "$results"
	RUN_SEED=$seed RUN_REPEAT=$repeat RUN_DURATION=$duration
	RUN_ACCEL=$accel RUN_HEARTBEAT=$heartbeat RUN_TKEY=${kernel%%:*}-$IMG_RELEASE
	if [[ -z $duration ]]; then
		plan_write_all
		RUN_TOTAL=$njobs
	fi
	extra=$(backend_json)
	if [[ $RUN_SOAK != 0 ]]; then
		extra=$(jq -n -c --argjson b "$extra" --argjson r "$repeat" --argjson d "${duration:-null}" '$b + {repeat: $r, duration_s: $d}')
	fi
	write_run_json "$RUN_DIR" "$RUN_ID" "$accel" "$seed" "$kernel" "$extra"
	msg "run $RUN_ID: ${#files[@]} scenarios, kernel $IMG_RELEASE, accel $accel, seed $seed${HPC_PLANTED:+, module with PLANTED BUG $HPC_PLANTED}${HPC_KMOD_PARAMS:+, module parameters $HPC_KMOD_PARAMS}"
	msg "-j $JOBS ($JOBS_WHY)"
	[[ $RUN_SOAK == 0 ]] || run_soak_msg
	timings_load "$RUN_TKEY" "$accel"
	mapfile -t RUN_ORDER < <(sched_order RUN_NAMES RUN_TIMEOUTS)
	info "order (longest first, timings from $HPC_TIMINGS): $(for i in "${RUN_ORDER[@]}"; do printf '%s ' "${RUN_NAMES[$i]}"; done)"
	slots_init "$JOBS"
	run_jobs
	trap - INT TERM HUP
	"$HPC_BIN/hpc-report" "$RUN_DIR" || rc=$?
	msg "results: $RUN_DIR"
	keep_wait "$rc"
	return "$rc"
}
# field FILE KEY: one value of a JSON file (hpc-report --field); fails when absent.
field() { "$HPC_BIN/hpc-report" --field "$1" "$2" 2>/dev/null; }

# repro_target DIR: set REPRO_SRC (the run directory) and REPRO_DIRS (the
# scenario results to replay) from a run or scenario result directory.
repro_target() {
	local target=$1 all=$2 e v
	REPRO_DIRS=()
	if [[ -f $target/verdict.json ]]; then
		REPRO_SRC=$(dirname "$target")
		REPRO_DIRS=("$target")
	elif [[ -f $target/plan ]]; then
		REPRO_SRC=$target
		while IFS= read -r e; do
			[[ $e =~ ^[A-Za-z0-9_.+-]{1,128}$ && $e != . && $e != .. ]] || continue
			[[ -f $target/$e/verdict.json ]] || continue
			v=$(field "$target/$e/verdict.json" verdict || true)
			[[ $all == 1 || $v == FAIL ]] && REPRO_DIRS+=("$target/$e")
		done <"$target/plan"
		[[ ${#REPRO_DIRS[@]} -gt 0 ]] ||
			die 2 "repro: $target has no FAIL result to replay (--all replays every scenario)"
	else
		die 2 "repro: $target is not a hpchaos result: it has no verdict.json (a scenario's result, results/<id>/NN-name) and no plan (a run's result, results/<id>)"
	fi
	[[ -f $REPRO_SRC/run.json ]] ||
		die 2 "repro: $REPRO_SRC is not a hpchaos run: run.json is missing (it says which kernel and module ran)"
}


# repro_opts ARG...: the options of 'hpchaos repro', into cmd_repro's locals
# (tries all accel results heartbeat target kernel).
repro_opts() {
	opts_expand '--tries --kernel --config --accel --backend --host --qemu --results --heartbeat' "$@"
	set -- "${OPTS_ARGV[@]}"
	while [[ $# -gt 0 ]]; do
		case $1 in
		--tries) tries=${2:?--tries needs a value}; shift 2 ;;
		--kernel) kernel=${2:?--kernel needs a value}; shift 2 ;;
		--config) export HPC_KCONFIG=${2:?--config needs a value}; shift 2 ;;
		--all) all=1; shift ;;
		--symbols | --accel | --backend | --host | --qemu | --results | --heartbeat | -v | --verbose)
			guest_opt "$@"
			shift "$GUEST_OPT_WORDS"
			;;
		-h | --help) usage repro; exit 0 ;;
		-*) die 2 "repro: unknown option '$1' (see 'hpchaos repro --help')" ;;
		*)
			[[ -z $target ]] || die 2 "repro: one result directory, please (got '$target' and '$1')"
			target=$1
			shift
			;;
		esac
	done
	[[ -n $target ]] || die 2 "repro: expected a result directory: results/<id> or results/<id>/NN-name"
	if [[ ! $tries =~ ^[0-9]{1,4}$ ]] || ((10#$tries < 1 || 10#$tries > 1000)); then
		die 2 "--tries: expected a number from 1 to 1000, got '$tries'"
	fi
	tries=$((10#$tries))
	check_heartbeat "$heartbeat"
	[[ -d $target ]] || die 2 "repro: $target: no such directory"
}

# repro_scenarios: for each of REPRO_DIRS the scenario (the copy that ran)
# and seed, into cmd_repro's names, seeds, scns and origs.
repro_scenarios() {
	local d name seed scn
	for d in "${REPRO_DIRS[@]}"; do
		name=$(field "$d/verdict.json" scenario) ||
			die 2 "repro: $d/verdict.json is unreadable or names no scenario"
		[[ $name =~ ^[A-Za-z0-9_.:+-]{1,64}$ ]] || die 2 "repro: $d/verdict.json: bad scenario name"
		seed=$(field "$d/verdict.json" seed) || die 2 "repro: $d/verdict.json records no seed"
		[[ $seed =~ ^[0-9]{1,19}$ ]] || die 2 "repro: $d/verdict.json: bad seed '$seed'"
		scn=$d/$name.scn
		[[ -f $scn ]] ||
			die 2 "repro: $d has no copy of the scenario ($name.scn): a result from an older hpchaos"
		names+=("$name")
		seeds+=("$seed")
		scns+=("$scn")
		origs+=("$d/verdict.json")
	done
}

# repro_entry I T: the plan entry of try T of result I (0-based).
repro_entry() {
	printf '%02d-%s-t%d' "$(($1 + 1))" "${names[$1]}" "$2"
}

# repro_one I: replay result I (of cmd_repro's arrays) its tries times,
# after checking that its seed gives the recorded schedule; the tries'
# verdict files into cmd_repro's verdicts.
repro_one() {
	local i=$1 t entry check
	verdicts=()
	msg "replaying ${REPRO_DIRS[$i]#"$REPRO_SRC"/} ($("$HPC_BIN/hpc-report" --verdict "${origs[$i]}" || true)), seed ${seeds[$i]}"
	# the drawn delays, re-derived from the seed, must be those recorded
	check=$RUN_DIR/schedule-check.$((i + 1))
	if "$HPC_BIN/hpc-conductor" --scenario "${scns[$i]}" --seed "${seeds[$i]}" \
		--check-schedule "${origs[$i]}" >"$check" 2>&1; then
		msg "$(cat "$check")"
	else
		sed 's/^/hpchaos: warning: /' "$check" >&2
	fi
	for ((t = 1; t <= tries; t++)); do
		n=$((n + 1))
		entry=$(repro_entry "$i" "$t")
		slots_run_one "[$n/$total]" "$entry" "${scns[$i]}" "${names[$i]}" "${seeds[$i]}" "try $t"
		verdicts+=("$RUN_DIR/$entry/verdict.json")
	done
}

cmd_repro() {
	local tries=10 all=0 accel=auto results=${HPC_RESULTS:-$PWD/results} heartbeat=60 target='' kernel=''
	local spec planted i t rc=0 total n
	local -a names=() seeds=() scns=() origs=() verdicts
	repro_opts "$@"
	target=$(readlink -f "$target")
	repro_target "$target" "$all"

	# the same kernel and module variant
	spec=$(field "$REPRO_SRC/run.json" kernel.spec) ||
		die 2 "repro: $REPRO_SRC/run.json records no kernel spec (kernel.spec): a result from an older hpchaos"
	[[ -n $kernel || $spec =~ ^(stock|chaos)(:6\.1|:6\.12)?$ || $spec == tree:?* || $spec == build:?* ]] ||
		die 2 "repro: $REPRO_SRC/run.json: unknown kernel spec '$spec'"
	# or another kernel, on purpose (--kernel; hpchaos bisect does that)
	if [[ -n $kernel ]]; then
		[[ $kernel != tree:* ]] || kernel=tree:$(readlink -f "${kernel#tree:}" || echo "${kernel#tree:}")
		[[ $kernel != build:* ]] || kernel=build:$(readlink -f "${kernel#build:}" || echo "${kernel#build:}")
		spec=$kernel
	fi
	planted=$(field "$REPRO_SRC/run.json" kmod_planted || echo none)
	planted_check "$planted"
	kmod_params_of "$REPRO_SRC/run.json"
	# the same scenario (the copy that ran) and seed
	repro_scenarios
	"$HPC_BIN/hpc-scenario" lint "${scns[@]}" || die 2 "the recorded scenario files have errors; nothing was booted"
	accel=$(accel_pick "$accel")
	[[ $planted == none ]] || export HPC_PLANTED=$planted

	trap_signals
	image_ensure "$spec"
	backend_setup
	run_dir_open "$results"
	# shellcheck disable=SC2034 # read by run_start and run_reap (slots.sh)
	RUN_ACCEL=$accel RUN_HEARTBEAT=$heartbeat RUN_TKEY=${spec%%:*}-$IMG_RELEASE
	for i in "${!names[@]}"; do
		for ((t = 1; t <= tries; t++)); do
			repro_entry "$i" "$t"
			echo
		done
	done >"$RUN_DIR/plan.tmp"
	mv -f "$RUN_DIR/plan.tmp" "$RUN_DIR/plan"
	write_run_json "$RUN_DIR" "$RUN_ID" "$accel" "${seeds[0]}" "$spec" \
		"$(jq -n -c --arg t "$target" --argjson n "$tries" '{repro_of: $t, tries: $n}')"
	msg "repro $RUN_ID: ${#names[@]} result(s) of $REPRO_SRC, $tries tries each, kernel $spec ($IMG_RELEASE), accel $accel${HPC_PLANTED:+, module with PLANTED BUG $HPC_PLANTED}${HPC_KMOD_PARAMS:+, module parameters $HPC_KMOD_PARAMS}"
	total=$((${#names[@]} * tries))
	n=0
	for i in "${!names[@]}"; do
		repro_one "$i"
		"$HPC_BIN/hpc-report" --repro "${origs[$i]}" "${verdicts[@]}" | tee -a "$RUN_DIR/repro.txt" || rc=1
	done
	trap - INT TERM HUP
	"$HPC_BIN/hpc-report" "$RUN_DIR" --quiet || true
	msg "results: $RUN_DIR"
	return "$rc"
}
