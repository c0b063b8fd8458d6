# shellcheck shell=bash
# 'hpchaos run': one run directory, one conductor per scenario, one report.

RUN_DIR=

# new_run_dir RESULTS: a fresh, private run directory; its id is unique even
# for two runs started in the same second.
new_run_dir() {
	local results=$1 dir
	mkdir -p "$results"
	dir=$(mktemp -d "$results/$(date -u +%Y%m%d-%H%M%S)-XXXXXX")
	chmod 0700 "$dir"
	printf '%s\n' "$dir"
}

# write_run_json DIR RUN_ID ACCEL SEED ARGS...: run.json, read by hpc-report.
write_run_json() {
	local dir=$1 id=$2 accel=$3 seed=$4
	shift 4
	{
		printf '{"run_id": "%s", "started": "%s", "accel": "%s", "seed": %s,\n' \
			"$id" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$accel" "$seed"
		printf ' "kernel": {"release": "%s", "source": "%s"},\n' "$IMG_RELEASE" "$IMG_SOURCE"
		printf ' "kmod_planted": "%s",\n' "${HPC_PLANTED:-none}"
		printf ' "host": "%s"}\n' "$(uname -n)"
	} >"$dir/run.json"
}

# on_signal SIG: stop the conductor (it kills its QEMU), report, exit.
on_signal() {
	trap - INT TERM HUP
	msg "interrupted (SIG$1): stopping the guest"
	kill_children
	if [[ -n $RUN_DIR && -f $RUN_DIR/plan ]]; then
		"$HPC_BIN/hpc-report" "$RUN_DIR" --interrupted || true
		msg "partial results in $RUN_DIR"
	fi
	exit 3
}

# run_one IDX TOTAL FILE ACCEL RUN_ID SEED HEARTBEAT: run one scenario.
run_one() {
	local idx=$1 total=$2 file=$3 accel=$4 run_id=$5 seed=$6 heartbeat=$7
	local name dir pid rc=0 t0 line
	dir=$RUN_DIR/$(sed -n "${idx}p" "$RUN_DIR/plan")
	name=${dir##*/[0-9][0-9]-}
	mkdir -m 0700 "$dir"
	backend_qemu_prepare "$dir" "$file" "$accel" "$run_id" "$seed" "$name"
	progress "[$idx/$total] $name: running"
	t0=$SECONDS
	"$HPC_BIN/hpc-conductor" --scenario "$file" --dir "$dir" \
		--guest-argv "$dir/guest.argv" --run-id "$run_id" --seed "$seed" \
		--kconfig "$IMG_CONFIG" --modules "$IMG_MODULES" --heartbeat "$heartbeat" \
		2>>"$dir/conductor.log" &
	pid=$!
	track_child "$pid"
	wait "$pid" || rc=$?
	untrack_child "$pid"
	case $rc in
	0 | 1 | 3 | 130) ;;
	*) msg "$name: the conductor exited abnormally (status $rc); see $dir/conductor.log" ;;
	esac
	line=$("$HPC_BIN/hpc-report" --verdict "$dir/verdict.json" 2>/dev/null || true)
	progress_done
	printf '[%d/%d] %-24s %s (%ds)\n' "$idx" "$total" "$name" "${line:-ERROR: no verdict (conductor exit $rc)}" \
		"$((SECONDS - t0))" >&2
	return 0
}

cmd_run() {
	local kernel=stock seed='' accel=auto results=${HPC_RESULTS:-$PWD/results} heartbeat=60
	local -a args=() files
	local run_id i rc=0
	while [[ $# -gt 0 ]]; do
		case $1 in
		--kernel) kernel=${2:?--kernel needs a value}; shift 2 ;;
		--seed) seed=${2:?--seed needs a value}; shift 2 ;;
		--accel) accel=${2:?--accel needs a value}; shift 2 ;;
		--results) results=${2:?--results needs a value}; shift 2 ;;
		--heartbeat) heartbeat=${2:?--heartbeat needs a value}; shift 2 ;;
		--planted) planted_check "${2:?--planted needs a value}"; export HPC_PLANTED=$2; shift 2 ;;
		-v | --verbose) export HPC_VERBOSE=1; shift ;;
		-h | --help) usage; return 0 ;;
		-*) die 2 "run: unknown option '$1' (see 'hpchaos help')" ;;
		*) args+=("$1"); shift ;;
		esac
	done
	[[ -z $seed || $seed =~ ^[0-9]{1,19}$ ]] || die 2 "--seed: expected a decimal number, got '$seed'"
	[[ $heartbeat =~ ^[0-9]{1,5}$ && $heartbeat -ge 5 ]] || die 2 "--heartbeat: expected seconds >= 5"
	[[ ${#args[@]} -gt 0 ]] || args=(quick)
	mapfile -t files < <(scenarios_resolve "${args[@]}")
	[[ ${#files[@]} -gt 0 ]] || die 2 "nothing to run"
	"$HPC_BIN/hpc-scenario" lint "${files[@]}" || die 2 "scenario files have errors; nothing was booted"
	[[ -n $seed ]] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	accel=$(accel_pick "$accel")

	trap 'on_signal INT' INT
	trap 'on_signal TERM' TERM
	trap 'on_signal HUP' HUP
	image_ensure "$kernel"

	RUN_DIR=$(new_run_dir "$results")
	run_id=$(basename "$RUN_DIR")
	ln -sfn "$run_id" "$results/latest"
	for i in "${!files[@]}"; do
		printf '%02d-%s\n' "$((i + 1))" "$("$HPC_BIN/hpc-scenario" field "${files[$i]}" name)"
	done >"$RUN_DIR/plan"
	write_run_json "$RUN_DIR" "$run_id" "$accel" "$seed"
	msg "run $run_id: ${#files[@]} scenarios, kernel $IMG_RELEASE, accel $accel, seed $seed${HPC_PLANTED:+, module with PLANTED BUG $HPC_PLANTED}"
	for i in "${!files[@]}"; do
		run_one "$((i + 1))" "${#files[@]}" "${files[$i]}" "$accel" "$run_id" "$seed" "$heartbeat"
	done
	trap - INT TERM HUP
	"$HPC_BIN/hpc-report" "$RUN_DIR" || rc=$?
	msg "results: $RUN_DIR"
	return "$rc"
}
