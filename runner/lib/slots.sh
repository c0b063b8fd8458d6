# shellcheck shell=bash
# Slots: the scenario runs going on at once. Each busy slot holds one
# conductor, started by this shell itself, never by a subshell: the
# conductor's parent-death signal then fires when this shell dies, even by
# SIGKILL, so no guest outlives the runner. 'wait -n' reaps whichever ends
# first and frees its slot at once.
#
# On a terminal each busy slot has a progress line at the bottom of the
# screen (redrawn every second); lines that stay, such as a scenario's
# verdict, are printed above them. Elsewhere a start and an end are one
# plain line each.

SLOTS_N=0            # number of slots (slots_init)
SLOT_PID=()          # slot -> conductor pid ('' when free)
SLOT_ENTRY=()        # slot -> result directory name (NN-name...)
SLOT_NAME=()         # slot -> scenario name
SLOT_LABEL=()        # slot -> "[n/total]"
SLOT_SHOWN=()        # slot -> the name as shown, with its note
SLOT_T0=()           # slot -> start, ms
declare -gA SLOT_OF=() # conductor pid -> slot
SLOTS_LINES=0        # progress lines on the screen now
SLOTS_COLS=80        # terminal width
SLOT_TICKER=         # pid of the 1 s timer that redraws the progress lines
FREE_SLOT=
NOW_MS=0

# Run-wide settings of run_start, set by the caller: accelerator, run id,
# heartbeat (s) and the kernel's key in the timing file.
RUN_ACCEL=
RUN_ID=
RUN_HEARTBEAT=60
RUN_TKEY=

# now_ms: NOW_MS = the wall clock in ms.
now_ms() {
	local t=${EPOCHREALTIME//[^0-9]/}
	NOW_MS=$((10#$t / 1000))
}

# slots_init N: N free slots.
slots_init() {
	local k cols=
	SLOTS_N=$1
	SLOT_PID=() SLOT_ENTRY=() SLOT_NAME=() SLOT_LABEL=() SLOT_SHOWN=() SLOT_T0=()
	SLOT_OF=()
	for ((k = 0; k < SLOTS_N; k++)); do
		SLOT_PID[k]=
	done
	if hpc_is_tty; then
		read -r _ cols < <(stty size <&2 2>/dev/null || true) || true
		[[ $cols =~ ^[0-9]{2,4}$ ]] && SLOTS_COLS=$cols
	fi
	return 0
}

# slot_free: FREE_SLOT = the first free slot; false when all are busy. The
# slots of a lost libvirt host are never free (backend_slot_ok).
slot_free() {
	local k
	for ((k = 0; k < SLOTS_N; k++)); do
		if [[ -z ${SLOT_PID[k]} ]] && backend_slot_ok "$k"; then
			# shellcheck disable=SC2034 # read by run_jobs (run.sh)
			FREE_SLOT=$k
			return 0
		fi
	done
	return 1
}

# slots_busy: print how many slots are busy; false when none is.
slots_busy() {
	local k n=0
	for ((k = 0; k < SLOTS_N; k++)); do
		[[ -z ${SLOT_PID[k]} ]] || n=$((n + 1))
	done
	echo "$n"
	((n > 0))
}

# slots_erase: remove the progress lines from the screen.
slots_erase() {
	((SLOTS_LINES > 0)) || return 0
	printf '\033[%dA\r\033[J' "$SLOTS_LINES" >&2
	SLOTS_LINES=0
}

# slots_draw: one progress line per busy slot (on a terminal), cut to the
# terminal's width so that each takes one line.
slots_draw() {
	local k
	hpc_is_tty || return 0
	now_ms
	for ((k = 0; k < SLOTS_N; k++)); do
		[[ -n ${SLOT_PID[k]} ]] || continue
		printf '%.*s\n' "$((SLOTS_COLS - 1))" \
			"${SLOT_LABEL[k]} ${SLOT_SHOWN[k]}: running $(fmt_secs $(((NOW_MS - SLOT_T0[k]) / 1000)))" >&2
		SLOTS_LINES=$((SLOTS_LINES + 1))
	done
}

# slots_say TEXT: a line that stays, above the progress lines.
slots_say() {
	slots_erase
	printf '%s\n' "$1" >&2
	slots_draw
}

# run_start SLOT LABEL ENTRY FILE NAME SEED [NOTE]: start one scenario run
# in RUN_DIR/ENTRY on SLOT. The directory keeps a copy of the scenario file
# as it ran (NAME.scn, for 'hpchaos repro'); the conductor runs that copy.
run_start() {
	local slot=$1 label=$2 entry=$3 file=$4 name=$5 seed=$6 note=${7:-}
	local dir=$RUN_DIR/$entry copy pid
	mkdir -m 0700 "$dir"
	copy=$dir/$name.scn
	cp "$file" "$copy"
	chmod 0600 "$copy"
	backend_prepare "$slot" "$dir" "$copy" "$RUN_ACCEL" "$RUN_ID" "$seed" "$name"
	"$HPC_BIN/hpc-conductor" --scenario "$copy" --dir "$dir" \
		--guest-argv "$dir/guest.argv" --run-id "$RUN_ID" --seed "$seed" \
		--kconfig "$IMG_CONFIG" --modules "$IMG_MODULES" --heartbeat "$RUN_HEARTBEAT" --keep "$RUN_KEEP" \
		${HPC_QEMU_COMMANDS:+--qemu-commands "$HPC_QEMU_COMMANDS"} \
		2>>"$dir/conductor.log" &
	pid=$!
	track_child "$pid"
	now_ms
	SLOT_PID[slot]=$pid SLOT_ENTRY[slot]=$entry SLOT_NAME[slot]=$name SLOT_LABEL[slot]=$label
	SLOT_SHOWN[slot]=$name${note:+ $note} SLOT_T0[slot]=$NOW_MS
	SLOT_OF[$pid]=$slot
	if hpc_is_tty; then
		slots_erase
		slots_draw
	else
		printf '%s %s: running\n' "$label" "${SLOT_SHOWN[slot]}" >&2
	fi
}

# run_reap PID STATUS [kept]: the conductor PID ended with STATUS (or keeps
# its guest: kept): free its slot, print the verdict line, record the wall
# time (of a run that was not interrupted) in the timing file.
run_reap() {
	local pid=$1 rc=$2 kept=${3:-} slot dir line ms
	slot=${SLOT_OF[$pid]}
	unset 'SLOT_OF[$pid]'
	untrack_child "$pid"
	SLOT_PID[slot]=
	now_ms
	ms=$((NOW_MS - SLOT_T0[slot]))
	dir=$RUN_DIR/${SLOT_ENTRY[slot]}
	symbolize_result "$dir"
	line=$("$HPC_BIN/hpc-report" --verdict "$dir/verdict.json" 2>/dev/null || true)
	slots_erase
	case $rc in
	0 | 1 | 3 | 130) ;;
	*) msg "${SLOT_NAME[slot]}: the conductor exited abnormally (status $rc); see $dir/conductor.log" ;;
	esac
	printf '%s %-24s %s (%ds)%s\n' "${SLOT_LABEL[slot]}" "${SLOT_SHOWN[slot]}" \
		"${line:-ERROR: no verdict (conductor exit $rc)}" $(((ms + 500) / 1000)) "${kept:+, guest kept alive}" >&2
	if [[ -n $RUN_TKEY && ($rc == 0 || $rc == 1) ]]; then
		timings_record "$RUN_TKEY" "$RUN_ACCEL" "${SLOT_NAME[slot]}" "$ms"
	fi
	# an ERROR: is its libvirt host still there?
	[[ $rc != 3 ]] || backend_host_check "$slot"
	slots_draw
}

# symbolize_result DIR: file:line for the frames of the kernel reports of the
# run in DIR (verdict.json, console.symbolized.log), from the kernel's
# vmlinux (when the image has one) and the modules; a failure is said, the
# verdict stays.
symbolize_result() {
	local dir=$1 d
	local -a mods=()
	[[ -f $dir/verdict.json ]] || return 0
	[[ -z ${IMG_VMLINUX:-} ]] || mods+=(--vmlinux "$IMG_VMLINUX")
	for d in ${IMG_SYMDIRS[@]+"${IMG_SYMDIRS[@]}"}; do
		[[ -d $d ]] && mods+=(--modules "$d")
	done
	"$HPC_BIN/hpc-symbolize" --dir "$dir" "${mods[@]}" 2>>"$dir/conductor.log" ||
		msg "$(basename "$dir"): no source lines for its reports (hpc-symbolize failed; see $dir/conductor.log)"
}

# slots_tick: the timer fired: redraw the progress lines.
slots_tick() {
	untrack_child "$SLOT_TICKER"
	SLOT_TICKER=
	slots_erase
	slots_draw
}

# slots_wait: wait until a conductor ends (and reap it) or, on a terminal or
# while guests may be kept (keep.sh), until the 1 s timer fires (and
# redraw, and free the slots of conductors that keep their guest).
slots_wait() {
	local -a pids=()
	local k pid='' rc=0
	for ((k = 0; k < SLOTS_N; k++)); do
		[[ -z ${SLOT_PID[k]} ]] || pids+=("${SLOT_PID[k]}")
	done
	if { hpc_is_tty || [[ $RUN_KEEP != never ]]; } && [[ -z $SLOT_TICKER ]]; then
		sleep 1 &
		SLOT_TICKER=$!
		track_child "$SLOT_TICKER"
	fi
	[[ -z $SLOT_TICKER ]] || pids+=("$SLOT_TICKER")
	wait -n -p pid "${pids[@]}" || rc=$?
	if [[ -n $SLOT_TICKER && $pid == "$SLOT_TICKER" ]]; then
		slots_tick
		keep_check_slots
	elif [[ -n $pid && -n ${SLOT_OF[$pid]:-} ]]; then
		run_reap "$pid" "$rc"
	else
		slots_lost
	fi
}

# slots_lost: 'wait' found nothing to wait for (it cannot happen unless a
# child was reaped elsewhere): free the slots whose conductor is gone.
slots_lost() {
	local k
	sleep 0.1
	for ((k = 0; k < SLOTS_N; k++)); do
		if [[ -n ${SLOT_PID[k]} ]] && ! kill -0 "${SLOT_PID[k]}" 2>/dev/null; then
			run_reap "${SLOT_PID[k]}" 255
		fi
	done
}

# slots_end: stop the timer, clear the progress lines.
slots_end() {
	if [[ -n $SLOT_TICKER ]]; then
		kill "$SLOT_TICKER" 2>/dev/null || true
		wait "$SLOT_TICKER" 2>/dev/null || true
		untrack_child "$SLOT_TICKER"
		SLOT_TICKER=
	fi
	slots_erase
}

# slots_run_one LABEL ENTRY FILE NAME SEED [NOTE]: one scenario run, waited for.
slots_run_one() {
	slots_init 1
	run_start 0 "$@"
	while slots_busy >/dev/null; do
		slots_wait
	done
	slots_end
}
