# shellcheck shell=bash
# A guest kept alive: 'hpchaos run --keep-alive[=fail|always]', then
# 'hpchaos attach', 'hpchaos stop' and 'hpchaos list --running'.
#
# With --keep-alive the guest boots with hpc.keep=1 (the agent does not
# power off after its plan; it serves a shell on the port
# org.hpchaos.shell, whose host end is the result's shell.sock) and with
# QEMU's gdb stub on gdb.sock (and nokaslr, so that vmlinux's addresses are
# the running kernel's). The conductor writes the verdict as in any run;
# when it keeps the guest (fail: the verdict is FAIL or ERROR; always) it
# writes kept.json and stays, the guest's parent, until it is told to stop.
# The runner frees the slot, and after the table waits in the foreground
# for the kept guests: Ctrl-C, or 'hpchaos stop DIR' from elsewhere, ends
# them. Nothing is left behind the runner.

RUN_KEEP=never       # --keep-alive: never, fail or always
KEEP_ARGV=()         # keep_qemu_args
KEPT_PIDS=()         # conductors keeping a guest (tracked children)
KEPT_DIRS=()         # their result directories

# keep_opt VALUE: RUN_KEEP from --keep-alive[=VALUE].
keep_opt() {
	case $1 in
	fail | always) RUN_KEEP=$1 ;;
	*) die 2 "--keep-alive: expected fail or always (--keep-alive alone is fail), got '$1'" ;;
	esac
}

# keep_check_backend: after the options: only QEMU guests are kept.
keep_check_backend() {
	[[ $RUN_KEEP == never || ${RUN_BACKEND:-qemu} == qemu ]] ||
		die 2 "--keep-alive: only the qemu backend keeps guests (not --backend $RUN_BACKEND)"
}

# keep_qemu_args: the QEMU arguments of a guest that may be kept.
keep_qemu_args() {
	KEEP_ARGV=()
	[[ $RUN_KEEP != never ]] || return 0
	# shellcheck disable=SC2054,SC2034 # QEMU option strings; read by backend_qemu_prepare
	KEEP_ARGV=(
		-chardev socket,id=shell,path=shell.sock,server=on,wait=off
		-device virtserialport,bus=vser0.0,chardev=shell,name=org.hpchaos.shell
		-chardev socket,id=gdb,path=gdb.sock,server=on,wait=off -gdb chardev:gdb
	)
}

# keep_append: the kernel command line words of a guest that may be kept.
keep_append() {
	[[ $RUN_KEEP == never ]] || printf ' hpc.keep=1 nokaslr'
}

# keep_check_slots: move the conductors that keep their guest out of their
# slots (their verdict is written): each is reaped at the end (keep_wait).
keep_check_slots() {
	local k pid dir
	[[ $RUN_KEEP != never ]] || return 0
	for ((k = 0; k < SLOTS_N; k++)); do
		pid=${SLOT_PID[k]}
		[[ -n $pid ]] || continue
		dir=$RUN_DIR/${SLOT_ENTRY[k]}
		[[ -f $dir/kept.json ]] || continue
		KEPT_PIDS+=("$pid")
		KEPT_DIRS+=("$dir")
		run_reap "$pid" 0 kept
		track_child "$pid"
	done
}

# keep_gdb_line DIR: the gdb command line for the guest kept in DIR.
keep_gdb_line() {
	local dir=$1 addr ko line
	line="gdb -ex 'target remote $dir/gdb.sock'"
	ko=$(keep_module_file)
	addr=$("$HPC_BIN/hpc-attach" --timeout 20 -c 'cat /sys/module/hpchaos/sections/.text' \
		"$dir/shell.sock" 2>/dev/null | head -n 1 || true)
	if [[ -n $ko && $addr =~ ^0x[0-9a-f]{1,16}$ ]]; then
		line+=" -ex 'add-symbol-file $ko $addr'"
	fi
	if [[ -n ${IMG_VMLINUX:-} ]]; then
		line+=" $IMG_VMLINUX"
	else
		line+="   (no vmlinux with symbols for this kernel: --kernel chaos or tree:PATH has one)"
	fi
	printf '%s\n' "$line"
}

# keep_module_file: hpchaos.ko with its symbols, of the image, if there is one.
keep_module_file() {
	local d f
	for d in ${IMG_SYMDIRS[@]+"${IMG_SYMDIRS[@]}"}; do
		[[ -d $d ]] || continue
		f=$(find "$d" -name hpchaos.ko -print -quit 2>/dev/null || true)
		[[ -z $f ]] || { printf '%s\n' "$f"; return 0; }
	done
}

# keep_stop_all SIG: Ctrl-C while guests are kept: stop them, exit.
keep_stop_all() {
	trap '' INT TERM HUP
	msg "SIG$1: stopping ${#KEPT_PIDS[@]} kept guest(s)"
	kill_children
	exit "$KEEP_RC"
}

# keep_wait RC: say how to reach each kept guest, then wait until all have
# ended (Ctrl-C here, 'hpchaos stop DIR' elsewhere); exit status RC.
keep_wait() {
	local i pid
	KEEP_RC=$1
	[[ ${#KEPT_PIDS[@]} -gt 0 ]] || return 0
	trap 'keep_stop_all INT' INT
	trap 'keep_stop_all TERM' TERM
	trap 'keep_stop_all HUP' HUP
	for i in "${!KEPT_DIRS[@]}"; do
		msg "kept alive: ${KEPT_DIRS[i]}"
		msg "  shell:  hpchaos attach ${KEPT_DIRS[i]}   (or: hpchaos attach DIR -- COMMAND)"
		msg "  gdb:    $(keep_gdb_line "${KEPT_DIRS[i]}")"
		msg "  end:    hpchaos stop ${KEPT_DIRS[i]}"
	done
	msg "waiting for the kept guest(s); Ctrl-C here stops them all"
	while [[ ${#KEPT_PIDS[@]} -gt 0 ]]; do
		pid=
		wait -n -p pid "${KEPT_PIDS[@]}" || true
		[[ -n $pid ]] || break
		for i in "${!KEPT_PIDS[@]}"; do
			[[ ${KEPT_PIDS[i]} == "$pid" ]] || continue
			msg "stopped: ${KEPT_DIRS[i]}"
			untrack_child "$pid"
			unset 'KEPT_PIDS[i]' 'KEPT_DIRS[i]'
		done
		KEPT_PIDS=("${KEPT_PIDS[@]}") KEPT_DIRS=("${KEPT_DIRS[@]}")
	done
	trap - INT TERM HUP
}

# keep_dir_of ARG: the result directory of a kept guest: ARG itself, or the
# one kept guest of a run directory.
keep_dir_of() {
	local arg=$1 d
	local -a found=()
	[[ -d $arg ]] || die 2 "$arg: no such directory"
	if [[ -f $arg/kept.json ]]; then
		readlink -f "$arg"
		return 0
	fi
	for d in "$arg"/*/; do
		[[ -f $d/kept.json ]] && found+=("${d%/}")
	done
	case ${#found[@]} in
	1) readlink -f "${found[0]}" ;;
	0) die 2 "$arg: no guest is kept there (no kept.json; see 'hpchaos list --running')" ;;
	*) die 2 "$arg: ${#found[@]} guests are kept there; name one: ${found[*]}" ;;
	esac
}

# keep_pid DIR: the pid of the conductor keeping DIR's guest, when it is
# alive and is that conductor (its working directory is DIR); else false.
keep_pid() {
	local dir=$1 pid cwd
	pid=$(jq -r '.conductor_pid // empty' "$dir/kept.json" 2>/dev/null || true)
	[[ $pid =~ ^[0-9]{1,9}$ ]] || return 1
	cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null || true)
	[[ $cwd == "$(readlink -f "$dir")" ]] || return 1
	[[ $(cat "/proc/$pid/comm" 2>/dev/null) == hpc-conductor ]] || return 1
	printf '%s\n' "$pid"
}

cmd_attach() {
	local target='' dir
	local -a argv=()
	while [[ $# -gt 0 ]]; do
		case $1 in
		-h | --help) usage attach; return ;;
		--) shift; argv=("$@"); break ;;
		-*) die 2 "attach: unknown option '$1' (see 'hpchaos attach --help')" ;;
		*)
			[[ -z $target ]] || die 2 "attach: one result directory, please (got '$target' and '$1'; a command goes after --)"
			target=$1
			shift
			;;
		esac
	done
	[[ -n $target ]] || die 2 "attach: which kept guest? (a result directory; 'hpchaos list --running')"
	dir=$(keep_dir_of "$target")
	keep_pid "$dir" >/dev/null || die 2 "$dir: its guest is no longer kept (the conductor is gone)"
	if [[ ${#argv[@]} -gt 0 ]]; then
		exec "$HPC_BIN/hpc-attach" -c "${argv[*]}" "$dir/shell.sock"
	fi
	exec "$HPC_BIN/hpc-attach" "$dir/shell.sock"
}

cmd_stop() {
	local target='' dir pid i
	while [[ $# -gt 0 ]]; do
		case $1 in
		-h | --help) usage stop; return ;;
		-*) die 2 "stop: unknown option '$1' (see 'hpchaos stop --help')" ;;
		*)
			[[ -z $target ]] || die 2 "stop: one result directory, please (got '$target' and '$1')"
			target=$1
			shift
			;;
		esac
	done
	[[ -n $target ]] || die 2 "stop: which kept guest? (a result directory; 'hpchaos list --running')"
	dir=$(keep_dir_of "$target")
	pid=$(keep_pid "$dir") || die 2 "$dir: its guest is no longer kept (the conductor is gone)"
	kill -TERM "$pid"
	for ((i = 0; i < 150; i++)); do
		[[ -d /proc/$pid ]] || break
		sleep 0.1
	done
	[[ ! -d /proc/$pid ]] || die 1 "$dir: the conductor ($pid) did not end within 15 s"
	msg "stopped: $dir"
}

# list_running RESULTS: the kept guests under RESULTS (results/<id>/NN-name).
list_running() {
	local results=$1 f dir pid n=0 verdict since
	for f in "$results"/*/*/kept.json; do
		[[ -f $f ]] || continue
		dir=${f%/kept.json}
		pid=$(keep_pid "$dir") || continue
		verdict=$(jq -r '.verdict // "?"' "$f" 2>/dev/null | tr -cd '[:upper:]' || true)
		since=$(jq -r '.since // "?"' "$f" 2>/dev/null | tr -cd '0-9TZ:-' || true)
		printf '%-60s %-6s since %s (conductor %s)\n' "$dir" "$verdict" "$since" "$pid"
		n=$((n + 1))
	done
	((n > 0)) || msg "no kept guests under $results"
}
