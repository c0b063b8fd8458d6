# shellcheck shell=bash
# Common helpers for the hpchaos runner: messages, errors, paths, locking,
# child-process bookkeeping. Sourced; sets nothing global besides HPC_*.

# Errors inside $(...) must stop the caller too.
shopt -s inherit_errexit

HPC_TOP=${HPC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
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
	exit "$code"
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

# Child processes this shell started and must reap on exit.
HPC_CHILDREN=()

track_child() { HPC_CHILDREN+=("$1"); }
untrack_child() {
	local -a keep=()
	local p
	for p in "${HPC_CHILDREN[@]}"; do
		[[ $p == "$1" ]] || keep+=("$p")
	done
	HPC_CHILDREN=("${keep[@]}")
}

# kill_children: SIGTERM each tracked child, give it a moment, SIGKILL, reap.
kill_children() {
	local pid i
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
