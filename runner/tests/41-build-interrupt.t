#!/usr/bin/env bash
# Interrupting the image step in each of its phases (download of the stock
# kernel, build of our module, build of the initramfs, mirror of a user's
# tree and its kernel build), with SIGINT to the process group (Ctrl-C at a
# terminal) and with SIGTERM to the runner alone: the runner exits 3 at
# once, no process it started is left (make, compilers, apt-get, rsync),
# and the cache holds no temporary directory and no half-written entry.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
set -m # job control: the runner gets its own process group, like at a terminal
real_cache=${HPC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hpchaos}
phases=(download kmod initramfs tree)
signals=(INT TERM)
plan $((${#phases[@]} * ${#signals[@]} * 4))

# ours CACHE: processes whose command line, working directory or executable
# is under CACHE, or that are make/compilers with their cwd there.
ours() {
	local pid n=0 cwd
	for pid in $(pgrep -f -- "$1" || true) $(for p in make cc1 gcc as ld rsync apt-get http ccache; do pgrep -x "$p" || true; done); do
		[[ $pid == "$$" ]] && continue
		cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null || true)
		if [[ $cwd == "$1"* ]] || { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$1"; then
			n=$((n + 1))
			ps -o pid=,ppid=,pgid=,stat=,args= -p "$pid" 2>/dev/null | cut -c1-160 >>"$T_TMP/ours.log" || true
		fi
	done
	echo "$n"
}

# cache_for PHASE: a cache in which PHASE is the first thing the image step
# does: everything before it is linked from the real cache.
cache_for() {
	local c=$T_TMP/cache-$1-$2 d
	mkdir -p "$c"
	case $1 in
	download) ;;
	kmod) for d in kernels debs stock-resolved; do ln -s "$real_cache/$d" "$c/$d"; done ;;
	initramfs) for d in kernels debs stock-resolved kmod; do ln -s "$real_cache/$d" "$c/$d"; done ;;
	tree)
		for d in src debs; do ln -s "$real_cache/$d" "$c/$d"; done
		# one mirror for both signals: the second run resumes the build the
		# first left, in the same build directory
		mkdir -p "$T_TMP/trees" && ln -s "$T_TMP/trees" "$c/trees"
		;;
	esac
	echo "$c"
}

# started PHASE CACHE: the phase is under way.
started() {
	case $1 in
	download) compgen -G "$2/debs/.tmp.*" >/dev/null ;;
	kmod) compgen -G "$2/kmod/.tmp.*" >/dev/null ;;
	initramfs) compgen -G "$2/initramfs/.tmp.*/root/bin" >/dev/null ;;
	tree) grep -qsE '^  CC ' "$2"/kernels/.tmp.*/build.log ;;
	esac
}

# A user's tree for the tree phase: hard links to the chaos source.
tree=$T_TMP/linux
src=$(find "$real_cache/src" -mindepth 1 -maxdepth 1 -type d -name 'linux-source-6.1*' | head -n 1)
mkdir -p "$tree"
(cd "$src" && find . -path ./build-hpchaos -prune -o -type d -print0 | (cd "$tree" && xargs -0 mkdir -p))
(cd "$src" && find . -path ./build-hpchaos -prune -o ! -type d -print0 | cpio -0 -pdl --quiet "$tree" 2>/dev/null) || true

for phase in "${phases[@]}"; do
	for sig in "${signals[@]}"; do
		cache=$(cache_for "$phase" "$sig")
		args=(image)
		[[ $phase == tree ]] && args+=(--kernel "tree:$tree")
		HPC_CACHE=$cache "${AS_AT_TERMINAL[@]}" "$T_TOP/runner/hpchaos" "${args[@]}" >"$T_TMP/out" 2>&1 &
		pid=$!
		for _ in $(seq 1800); do
			started "$phase" "$cache" && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		t "$phase: the phase was under way when SIG$sig came" started "$phase" "$cache"
		t0=$SECONDS
		if [[ $sig == INT ]]; then
			kill -INT -- "-$pid" 2>/dev/null || true # the whole group, as a terminal does
		else
			kill -TERM "$pid" 2>/dev/null || true # the runner alone
		fi
		rc=0
		wait "$pid" || rc=$?
		is "$rc" 3 "$phase, SIG$sig: exit 3 (interrupted), after $((SECONDS - t0)) s"
		for _ in $(seq 50); do
			[[ $(ours "$cache") == 0 ]] && break
			sleep 0.1
		done
		: >"$T_TMP/ours.log"
		is "$(ours "$cache")" 0 "$phase, SIG$sig: no process left"
	[[ ! -s $T_TMP/ours.log ]] || diag "left: $(sort -u "$T_TMP/ours.log")" >&2
		left=$(find "$cache" -maxdepth 3 -name '.tmp.*' 2>/dev/null || true) # not through the links into the real cache
		for d in "$cache"/kernels/* "$cache"/kmod/*; do
			[[ -L $cache/kernels || -L $cache/kmod ]] && continue
			[[ -e $d ]] || continue
			[[ -f $d/release || $d == "$cache"/kmod/* ]] || left+=" $d"
		done
		is "$left" "" "$phase, SIG$sig: no temporary directory or half-written entry in the cache"
		[[ $rc == 3 ]] || diag "$(tail -n 5 "$T_TMP/out")"
	done
done
done_testing
