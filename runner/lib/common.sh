# shellcheck shell=bash
# Common helpers for the hpchaos runner: messages, errors, paths, locking,
# child-process bookkeeping. Sourced; sets nothing global besides HPC_*.

# Errors inside $(...) must stop the caller too.
shopt -s inherit_errexit

HPC_TOP=${HPC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# The version of hpchaos (hpchaos --version adds the git commit).
# shellcheck disable=SC2034 # used by hpc_version (usage.sh)
HPC_VERSION=0.3
HPC_CACHE=${HPC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hpchaos}
HPC_BIN=${HPC_BIN:-$HPC_TOP/framework/build/bin}
HPC_GUEST_BIN=${HPC_GUEST_BIN:-$HPC_TOP/framework/build/guest}
HPC_VERBOSE=${HPC_VERBOSE:-0}

hpc_is_tty() { [[ -t 2 ]]; }

msg() { printf 'hpchaos: %s\n' "$*" >&2; }
info() { [[ $HPC_VERBOSE -ge 1 ]] && printf 'hpchaos: %s\n' "$*" >&2; return 0; }

# die CODE MESSAGE: one line on stderr, exit CODE (2 = bad input/usage).
die() {
	local code=$1
	shift
	printf 'hpchaos: error: %s\n' "$*" >&2
	exit "${HPC_DIE_CODE:-$code}"
}

# progress MESSAGE: a transient status line on a terminal, a plain line otherwise.
progress() {
	if hpc_is_tty; then
		printf '\r\033[K%s' "$*" >&2
	else
		printf '%s\n' "$*" >&2
	fi
}
progress_done() { hpc_is_tty && printf '\r\033[K' >&2; return 0; }

# with_lock FILE CMD...: run CMD holding an exclusive flock on FILE.
with_lock() {
	local lockfile=$1
	shift
	mkdir -p "$(dirname "$lockfile")"
	(
		exec 9>"$lockfile"
		if ! flock -n 9; then
			msg "waiting for lock $lockfile (another hpchaos is using it)"
			flock 9
		fi
		"$@"
	)
}

# sha256 of the given files and strings, in order, as one hex string.
hash_inputs() {
	local item
	for item in "$@"; do
		if [[ -f $item ]]; then
			printf 'file %s\n' "$(basename "$item")"
			sha256sum <"$item"
		else
			printf 'str %s\n' "$item"
		fi
	done | sha256sum | cut -c1-16
}

# Child processes this shell started and must reap on exit. Those tracked
# with "tree" (builds, downloads) are stopped with everything they started.
HPC_CHILDREN=()
HPC_TREES=()

track_child() {
	HPC_CHILDREN+=("$1")
	[[ ${2:-} != tree ]] || HPC_TREES+=("$1")
	return 0
}
untrack_child() {
	local -a keep=()
	local p
	for p in "${HPC_CHILDREN[@]}"; do
		[[ $p == "$1" ]] || keep+=("$p")
	done
	HPC_CHILDREN=("${keep[@]}")
}

# _tree_pids PID: PID and all its descendants, one per line.
_tree_pids() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ kids[$2] = kids[$2] " " $1 }
		END {
			q[1] = root; n = 1
			for (i = 1; i <= n; i++) {
				print q[i]
				m = split(kids[q[i]], k, " ")
				for (j = 1; j <= m; j++) q[++n] = k[j]
			}
		}'
}

# _alive PID: PID exists and is not a zombie.
_alive() {
	local st
	st=$(sed "s/.*) //" "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $st && ${st%% *} != Z ]]
}

# kill_tree PID...: stop each PID and everything below it (frozen first, so
# that nothing forks meanwhile: make, compilers, apt-get), send SIGTERM to
# all of them at once (make deletes the target it was writing), then
# SIGKILL what is left after 5 s, and reap.
kill_tree() {
	local -a all=() now
	local pid i prev=-1
	for ((i = 0; i < 20; i++)); do
		now=()
		for pid in "$@"; do
			mapfile -t -O "${#now[@]}" now < <(_tree_pids "$pid")
		done
		((${#now[@]} > 0)) || break
		kill -STOP "${now[@]}" 2>/dev/null || true
		all=("${now[@]}")
		((${#all[@]} == prev)) && break
		prev=${#all[@]}
	done
	((${#all[@]} > 0)) || return 0
	# Process groups of their own among them (make runs in a session of its
	# own): a compiler forked just as the tree was frozen, or orphaned as
	# make died, is still in make's group.
	local me g
	local -a groups=()
	me=$(ps -o pgid= -p $$ | tr -d ' ')
	for g in $(ps -o pgid= -p "$(IFS=,; echo "${all[*]}")" 2>/dev/null | sort -u); do
		[[ $g != "$me" && $g -gt 1 ]] && groups+=("-$g")
	done
	kill -TERM "${all[@]}" 2>/dev/null || true
	((${#groups[@]} == 0)) || kill -TERM -- "${groups[@]}" 2>/dev/null || true
	kill -CONT "${all[@]}" 2>/dev/null || true
	((${#groups[@]} == 0)) || kill -CONT -- "${groups[@]}" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		local alive=0
		for pid in "${all[@]}"; do
			_alive "$pid" && alive=1 && break
		done
		((alive)) || break
		sleep 0.1
	done
	kill -KILL "${all[@]}" 2>/dev/null || true
	((${#groups[@]} == 0)) || kill -KILL -- "${groups[@]}" 2>/dev/null || true
	for pid in "$@"; do
		wait "$pid" 2>/dev/null || true
	done
}

# kill_children: SIGTERM each tracked child, give it a moment, SIGKILL, reap;
# "tree" children with everything they started.
kill_children() {
	local pid i
	((${#HPC_TREES[@]} == 0)) || kill_tree "${HPC_TREES[@]}"
	for pid in "${HPC_CHILDREN[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${HPC_CHILDREN[@]}"; do
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	HPC_CHILDREN=()
	HPC_TREES=()
}

# bg_run VAR CMD...: run CMD (a function or program) in the background with
# its stdout captured into VAR (like VAR=$(CMD), trailing newlines dropped)
# and its stderr passed through. Unlike a command substitution, the shell
# waits with the 'wait' builtin, so its signal traps run at once and
# kill_children stops CMD and everything it started.
bg_run() {
	local __bg_var=$1 __bg_out __bg_pid __bg_rc=0
	shift
	__bg_out=$(mktemp "${TMPDIR:-/tmp}/hpchaos.bg.$$.XXXXXX")
	# SIGINT ignored in the child: a terminal's Ctrl-C reaches the whole
	# group, and a subshell of a shell that traps INT would die of it at
	# once, orphaning what it started; the trap here stops the tree instead.
	(
		trap '' INT
		"$@"
	) >"$__bg_out" &
	__bg_pid=$!
	track_child "$__bg_pid" tree
	wait "$__bg_pid" || __bg_rc=$?
	untrack_child "$__bg_pid"
	local -a keep=() p
	for p in "${HPC_TREES[@]}"; do
		[[ $p == "$__bg_pid" ]] || keep+=("$p")
	done
	HPC_TREES=("${keep[@]}")
	printf -v "$__bg_var" '%s' "$(<"$__bg_out")"
	rm -f "$__bg_out"
	return "$__bg_rc"
}

# cache_drop_mine: remove the temporary cache entries this hpchaos process
# (and its subshells, which share $$) was building. Called once its
# children are gone, on an interruption.
cache_drop_mine() {
	local d
	[[ -d $HPC_CACHE ]] || return 0
	for d in "$HPC_CACHE"/.tmp."$$".* "$HPC_CACHE"/*/.tmp."$$".*; do
		[[ -e $d ]] && rm -rf "$d"
	done
	rm -f "${TMPDIR:-/tmp}"/hpchaos.bg."$$".*
	return 0
}

# cache_tmpdir PARENT: a new temporary directory in PARENT for building a
# cache entry, named after this hpchaos process ($$, the same in every
# subshell) so that cache_sweep can tell an
# abandoned one (its builder was killed) from one still being built.
cache_tmpdir() {
	mkdir -p "$1"
	cache_sweep "$1"
	mktemp -d "$1/.tmp.$$.XXXXXX"
}

# cache_sweep PARENT: remove temporary directories whose builder is gone.
cache_sweep() {
	local d pid
	for d in "$1"/.tmp.*; do
		[[ -d $d ]] || continue
		pid=${d##*/.tmp.}
		pid=${pid%%.*}
		[[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && continue
		rm -rf "$d"
	done
}
