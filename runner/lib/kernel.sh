# shellcheck shell=bash
# Guest kernels built from source: 'chaos' (Debian's linux-source-6.1 with
# guest-images/chaos*.config) and 'tree:PATH' (a user's tree, same
# fragments, or its own .config with ours merged on top).
#
# The edit-build-verdict loop is what this file is for, so builds are
# incremental and the user's tree is never written to:
#   - Debian's source is unpacked once into $HPC_CACHE/src/; a user's tree is
#     mirrored (rsync, times kept, build products left out) into
#     $HPC_CACHE/trees/<path hash>/linux, so a tree that was built in place
#     works too, and an edit changes one file of the mirror.
#   - Each source root has one persistent build directory directly inside it
#     (SRC/build-hpchaos, Kbuild's O=). Kbuild then refers to the source as
#     '..', every compiler command line is free of absolute paths, and
#     ccache (hash_dir off) hits across trees, mirrors and cache locations
#     for files whose contents are the same.
#   - The finished kernel (bzImage, .config, modules, a small KDIR for
#     out-of-tree modules) is stored by content hash in
#     $HPC_CACHE/kernels/, so going back to an earlier state of a tree
#     costs nothing.
# Every option chaos.config asks for is checked in the final .config; a
# missing one stops the build with its name and what it depends on.
#
# kernel_built SPEC prints the cache directory of a built kernel with the
# same layout as a stock one: vmlinuz, config, release, source, root/ (the
# installed modules), build/ (usable as KDIR), extra-bin/.

# The kernel specs hpchaos knows, for messages.
HPC_KERNEL_SPECS="stock, stock:6.12, chaos, chaos:6.12, tree:PATH, build:DIR"
HPC_SRC_PKG=${HPC_SRC_PKG:-linux-source-6.1}
HPC_BUILD_DIRNAME="build-hpchaos"
# What a built kernel's cache entry holds, in its key: entries made before
# vmlinux was kept (for hpc-symbolize) are not found and are made again.
HPC_KENTRY_LAYOUT="entry: vmlinuz vmlinux config System.map root build"

# _src_version: the version of $HPC_SRC_PKG apt would install.
_src_version() {
	local version
	version=$({ apt-cache policy "$HPC_SRC_PKG" 2>/dev/null || true; } | awk '$1 == "Candidate:" { print $2 }')
	[[ -n $version && $version != "(none)" ]] ||
		die 2 "kernel source package $HPC_SRC_PKG not found by apt-cache (as root, run 'apt-get update')"
	printf '%s\n' "$version"
}

# _src_deb VERSION: the package's .deb in $HPC_CACHE/debs, downloaded once; path on stdout.
_src_deb() {
	local version=$1 deb tmp debs=$HPC_CACHE/debs
	mkdir -p "$debs"
	deb=$(find "$debs" -maxdepth 1 -name "${HPC_SRC_PKG}_${version//:/%3a}_*.deb" -print -quit)
	if [[ -z $deb ]]; then
		progress "downloading $HPC_SRC_PKG $version"
		tmp=$(cache_tmpdir "$debs")
		(cd "$tmp" && apt-get download -q "$HPC_SRC_PKG=$version" >/dev/null 2>&1) ||
			die 1 "apt-get download $HPC_SRC_PKG=$version failed"
		mv "$tmp"/*.deb "$debs/"
		rm -rf "$tmp"
		deb=$(find "$debs" -maxdepth 1 -name "${HPC_SRC_PKG}_*.deb" -print -quit)
		progress_done
	fi
	printf '%s\n' "$deb"
}

# _src_unpack: Debian's kernel source, unpacked once into the cache; dir on stdout.
_src_unpack() {
	local version dir tmp deb
	version=$(_src_version)
	dir=$HPC_CACHE/src/$HPC_SRC_PKG-${version//[:~]/_}
	if [[ ! -f $dir/.hpchaos-complete ]]; then
		mkdir -p "$HPC_CACHE/src"
		deb=$(_src_deb "$version")
		tmp=$(cache_tmpdir "$HPC_CACHE/src")
		progress "unpacking $HPC_SRC_PKG $version"
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/src/*.tar.xz'
		tar -xf "$tmp"/usr/src/*.tar.xz -C "$tmp"
		rm -rf "$dir"
		mv "$tmp"/linux-source-* "$dir"
		rm -rf "$tmp"
		printf '%s %s\n' "$HPC_SRC_PKG" "$version" >"$dir/.hpchaos-complete"
		progress_done
	fi
	printf '%s\n' "$dir"
}

# ksft_headers: the kselftest harness (kselftest_harness.h and kselftest.h of
# tools/testing/selftests) of $HPC_SRC_PKG, cached in
# $HPC_CACHE/ksft/<package>-<version>/; dir on stdout. Taken from the
# unpacked source when it is there, else out of the .deb (downloaded once,
# shared with _src_unpack) without unpacking the tree: the tarball is read
# once and only the two headers are written.
ksft_headers() {
	local version dir src tmp deb f
	local -a files=(tools/testing/selftests/kselftest.h tools/testing/selftests/kselftest_harness.h)
	version=$(_src_version)
	dir=$HPC_CACHE/ksft/$HPC_SRC_PKG-${version//[:~]/_}
	[[ -f $dir/.hpchaos-complete ]] && { printf '%s
' "$dir"; return 0; }
	tmp=$(cache_tmpdir "$HPC_CACHE/ksft")
	src=$HPC_CACHE/src/$HPC_SRC_PKG-${version//[:~]/_}
	if [[ -f $src/.hpchaos-complete ]]; then
		for f in "${files[@]}"; do
			cp "$src/$f" "$tmp/" || die 1 "$src/$f: missing from the unpacked $HPC_SRC_PKG"
		done
	else
		deb=$(_src_deb "$version")
		progress "extracting the kselftest harness from $HPC_SRC_PKG $version"
		dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards './usr/src/*.tar.xz' |
			tar -xJ -C "$tmp" --strip-components=4 --wildcards "${files[@]/#/*/}" ||
			die 1 "could not extract ${files[*]} from $deb"
		progress_done
	fi
	for f in "${files[@]}"; do
		[[ -s $tmp/${f##*/} ]] || die 1 "${f##*/} not found in $HPC_SRC_PKG $version"
	done
	printf '%s %s
' "$HPC_SRC_PKG" "$version" >"$tmp/.hpchaos-complete"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	printf '%s
' "$dir"
}

# _tree_id SRC: what identifies the state of a user's tree.
_tree_id() {
	local src=$1
	if git -C "$src" rev-parse HEAD >/dev/null 2>&1; then
		printf 'git %s %s\n' "$(git -C "$src" rev-parse HEAD)" \
			"$( (git -C "$src" diff HEAD 2>/dev/null; git -C "$src" ls-files -o --exclude-standard -z |
				xargs -0r sha256sum) | sha256sum | cut -c1-16)"
	else
		find "$src" -path "$src/.git" -prune -o -type f \( -name '*.[chS]' -o -name 'Kconfig*' -o -name 'Makefile*' -o -name Kbuild \) \
			-printf '%P %s %T@\n' | LC_ALL=C sort | sha256sum | cut -c1-16
	fi
}

# _tree_mirror SRC MIRROR: make MIRROR hold SRC's sources, times kept, build
# products (objects, generated headers, .config) left out, files deleted in
# SRC deleted here. Only changed files are copied.
_tree_mirror() {
	local src=$1 mirror=$2 list
	mkdir -p "$mirror"
	list=$(mktemp "$mirror.list.XXXXXX")
	if git -C "$src" rev-parse HEAD >/dev/null 2>&1; then
		# A git tree: exactly its tracked files and untracked, not ignored ones.
		git -C "$src" ls-files -z --cached --others --exclude-standard >"$list"
		rsync -a --files-from="$list" --from0 "$src/" "$mirror/"
		# Drop what is no longer in the tree (not the build directory).
		(cd "$mirror" && find . -path "./$HPC_BUILD_DIRNAME" -prune -o \( -type f -o -type l \) -printf '%P\0' |
			LC_ALL=C sort -z) >"$list.have"
		LC_ALL=C sort -z "$list" >"$list.want"
		LC_ALL=C comm -z -23 "$list.have" "$list.want" | (cd "$mirror" && xargs -0r rm -f --)
		rm -f "$list.have" "$list.want"
	else
		rsync -a --delete --exclude="/$HPC_BUILD_DIRNAME" --exclude=/.git \
			--exclude='*.o' --exclude='*.a' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
			--exclude='.*.cmd' --exclude='*.d' --exclude='/.config' --exclude='/.config.old' \
			--exclude='/include/config/' --exclude='/include/generated/' \
			--exclude='/arch/*/include/generated/' --exclude='/vmlinux*' --exclude='/System.map' \
			--exclude='/Module.symvers' --exclude='/modules.*' --exclude='/.tmp_*' \
			--exclude='/arch/x86/boot/bzImage' --exclude='/source' \
			"$src/" "$mirror/"
	fi
	rm -f "$list"
}

# kconfig_verify CONFIG SRC: every =y/=m of chaos.config must be in CONFIG.
kconfig_verify() {
	local config=$1 src=$2 want name deps bad=0
	while read -r want; do
		grep -qx "$want" "$config" && continue
		name=${want%%=*}
		name=${name#CONFIG_}
		deps=$(grep -rh -A12 --include='Kconfig*' -E "^(menu)?config $name\$" "$src" 2>/dev/null |
			awk 'NR > 1 && /^(menu)?config / { exit } /depends on/ { sub(/^[ \t]*/, ""); printf "%s; ", $0 }')
		msg "config: $want was dropped by Kconfig (now: $(grep -E "^CONFIG_$name=|# CONFIG_$name is not set" "$config" || echo absent))${deps:+; it $deps}"
		bad=1
	done < <(grep -oE '^CONFIG_[A-Z0-9_]+=[ym]' "$HPC_TOP/guest-images/chaos.config")
	[[ $bad == 0 ]] || die 1 "the kernel config lacks options guest-images/chaos.config requires (see above); nothing was built"
}

# _kernel_configure SRC BUILD LOG [USERCONFIG]: write BUILD/.config.
# Without USERCONFIG: allnoconfig with chaos-base.config + chaos.config (the
# guest's platform and the options under test, nothing else). With it: the
# user's config, chaos.config merged on top, and what that changed printed.
_kernel_configure() {
	local src=$1 build=$2 log=$3 user=${4:-} frag
	frag=$build/.hpchaos-fragment
	if [[ -z $user ]]; then
		cat "$HPC_TOP/guest-images/chaos-base.config" "$HPC_TOP/guest-images/chaos.config" >"$frag"
		make -s -C "$src" O="$build" KCONFIG_ALLCONFIG="$frag" allnoconfig >>"$log" 2>&1 ||
			die 1 "make allnoconfig failed in $src: $(tail -n 3 "$log")"
	else
		cp "$user" "$build/.config"
		cp "$user" "$build/.config.user"
		# merge_config.sh writes a temporary file in its working directory:
		# run it in the build directory, never in the (user's) source tree.
		(cd "$build" && "$src/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" \
			"$HPC_TOP/guest-images/chaos.config") >>"$log" 2>&1 ||
			die 1 "merging guest-images/chaos.config into $user failed: $(tail -n 3 "$log")"
	fi
	make -s -C "$src" O="$build" olddefconfig >>"$log" 2>&1 ||
		die 1 "make olddefconfig failed: $(tail -n 3 "$log")"
	if [[ -n $user ]]; then
		kconfig_diff "$build/.config.user" "$build/.config"
	fi
}

# kconfig_diff OLD NEW: say which options NEW adds to or changes from OLD.
kconfig_diff() {
	local line n=0
	while read -r line; do
		msg "config: $line"
		n=$((n + 1))
	done < <(awk '
		function val(l) { if (l ~ /^# CONFIG_.* is not set$/) return "n"; sub(/^[^=]*=/, "", l); return l }
		function key(l) { if (l ~ /^# CONFIG_/) { sub(/^# /, "", l); sub(/ is not set$/, "", l); return l } sub(/=.*/, "", l); return l }
		/^(CONFIG_[A-Z0-9_]+=|# CONFIG_[A-Z0-9_]+ is not set$)/ {
			if (FNR == NR) { old[key($0)] = val($0); next }
			k = key($0); v = val($0)
			if (!(k in old)) { if (v != "n") printf "added %s=%s\n", k, v }
			else if (old[k] != v) printf "changed %s: %s -> %s\n", k, old[k], v
		}' "$1" "$2")
	msg "config: $n option(s) added or changed on top of your config (the full list is in the kernel's cache entry: config)"
}

# _make_bg LOG ARGS...: run make in the background (its own session, so a
# terminal's Ctrl-C reaches the runner, which stops the whole tree), output
# to LOG, with a progress line; returns make's status.
_make_bg() {
	local log=$1 t0=$SECONDS mpid rc=0
	shift
	setsid make "$@" >>"$log" 2>&1 &
	mpid=$!
	track_child "$mpid"
	local every=30 last=-30
	hpc_is_tty && every=2
	while kill -0 "$mpid" 2>/dev/null; do
		if ((SECONDS - last >= every)); then
			progress "building kernel: $(grep -c -E '^  (CC|AS|LD) ' "$log" || true) steps, $((SECONDS - t0)) s"
			last=$SECONDS
		fi
		sleep 1 &
		wait $! || true
	done
	wait "$mpid" || rc=$?
	untrack_child "$mpid"
	progress_done
	return "$rc"
}

# _ccache_env: point ccache at our directory with settings that make it hit
# for Kbuild's commands: no working directory in the hash (Kbuild's
# relative paths then make it the same in every tree). Depend mode: the
# include list comes from the compiler's own -MMD output (Kbuild always asks
# for it), so a miss runs the compiler once instead of the preprocessor
# first and then the compiler.
_ccache_env() {
	command -v ccache >/dev/null || return 1
	export CCACHE_DIR=${CCACHE_DIR:-$HPC_CACHE/ccache}
	export CCACHE_NOHASHDIR=1 CCACHE_BASEDIR=${CCACHE_BASEDIR:-/} CCACHE_DEPEND=1
	export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}
	return 0
}

# _kdir_snapshot BUILD DEST: what building an out-of-tree module against
# this kernel needs from its build directory (generated headers, config,
# Module.symvers, modpost/fixdep/objtool), pointing at the source tree.
_kdir_snapshot() {
	local build=$1 dest=$2 src
	if [[ -L $build/source ]]; then
		src=$(readlink -f "$build/source")	# O= (ours: ..)
	elif [[ -f $build/Kconfig ]]; then
		src=$build				# built in place
	else
		src=$(readlink -f "$build/..")
	fi
	local -a have=()
	local m
	for m in .config Module.symvers include/config include/generated \
		arch/x86/include/generated scripts tools/objtool/objtool; do
		[[ -e $build/$m ]] && have+=("$m")
	done
	mkdir -p "$dest"
	(cd "$build" && tar -cf - "${have[@]}") | tar -xf - -C "$dest"
	printf '# hpchaos: a KDIR for out-of-tree modules of this kernel\ninclude %s/Makefile\n' "$src" >"$dest/Makefile"
	ln -sfn "$src" "$dest/source"
}

# _kernel_build SRC OUT [USERCONFIG]: configure, verify, build incrementally
# in SRC/build-hpchaos, install modules and the image into OUT.
_kernel_build() {
	local src=$1 out=$2 user=${3:-} build jobs rel cc=gcc log=$2/build.log t0
	build=$src/$HPC_BUILD_DIRNAME
	jobs=$(nproc)
	# The same compile.h every build: init/version.c is not compiled again
	# for nothing, and ccache can answer it.
	export KBUILD_BUILD_TIMESTAMP="2026-01-01 00:00:00 UTC" KBUILD_BUILD_VERSION=1
	export KBUILD_BUILD_USER=hpchaos KBUILD_BUILD_HOST=hpchaos
	_ccache_env && cc="ccache gcc"
	mkdir -p "$build"
	: >"$log"
	progress "configuring kernel from $src"
	_kernel_configure "$src" "$build" "$log" "$user"
	kconfig_verify "$build/.config" "$src"
	msg "building the kernel with $jobs jobs in $build (log: $log)"
	t0=$SECONDS
	_make_bg "$log" -C "$src" O="$build" CC="$cc" -j"$jobs" bzImage modules ||
		die 1 "kernel build failed: $(grep -m 3 -E 'error|Error' "$log" || tail -n 3 "$log")"
	msg "kernel built in $((SECONDS - t0)) s ($(grep -c -E '^  CC ' "$log" || true) files compiled)"
	make -s -C "$src" O="$build" INSTALL_MOD_PATH="$out/root" modules_install >>"$log" 2>&1 ||
		die 1 "modules_install failed: $(tail -n 3 "$log")"
	rel=$(make -s -C "$src" O="$build" kernelrelease 2>/dev/null)
	depmod -b "$out/root" "$rel"
	rm -f "$out/root/lib/modules/$rel/build" "$out/root/lib/modules/$rel/source"
	# The kernel's own HMM selftest, from the same source, for the guest
	# (tools/testing/selftests/vm until 6.2, selftests/mm from 6.3).
	mkdir -p "$out/extra-bin"
	local d hmm=
	for d in mm vm; do
		[[ -f $src/tools/testing/selftests/$d/hmm-tests.c ]] && hmm=$src/tools/testing/selftests/$d/hmm-tests.c && break
	done
	if [[ -n $hmm ]]; then
		gcc -static -O2 -I"$src" -I"$src/tools/testing/selftests" -o "$out/extra-bin/hmm-tests" \
			"$hmm" -lpthread >>"$log" 2>&1 ||
			{ rm -f "$out/extra-bin/hmm-tests"; msg "hmm-tests did not build (see $log); the hmm selftest scenarios will be skipped"; }
	else
		msg "no hmm-tests.c in $src/tools/testing/selftests/{mm,vm}; the hmm selftest scenarios will be skipped"
	fi
	cp "$build/arch/x86/boot/bzImage" "$out/vmlinuz"
	# with its debug info, for file:line in reports (hpc-symbolize)
	cp "$build/vmlinux" "$out/vmlinux"
	cp "$build/.config" "$out/config"
	[[ -f $build/System.map ]] && cp "$build/System.map" "$out/System.map"
	printf '%s\n' "$rel" >"$out/release"
	_kdir_snapshot "$build" "$out/build"
}

# kernel_built chaos|tree:PATH: build (or find) the kernel; cache dir on stdout.
kernel_built() {
	local spec=$1 src id hash dir tmp user="" root mirror
	deps_ensure kernel >&2 || die 1 "cannot build kernels without those packages"
	case $spec in
	chaos | chaos:6.1 | chaos:6.12)
		# the line's source package: chaos = chaos:6.1
		[[ $spec == chaos:6.12 ]] && HPC_SRC_PKG=linux-source-6.12
		root=$(_src_unpack)
		src=$root
		id=$(<"$root/.hpchaos-complete")
		;;
	tree:*)
		root=$(readlink -f "${spec#tree:}" || true)
		[[ -f $root/Makefile && -f $root/Kconfig && -d $root/arch/x86 ]] ||
			die 2 "--kernel $spec: not a kernel source tree (no Makefile, Kconfig or arch/x86)"
		[[ -z ${HPC_KCONFIG:-} || -f $HPC_KCONFIG ]] || die 2 "--config $HPC_KCONFIG: no such file"
		user=${HPC_KCONFIG:-}
		[[ -z $user && -f $root/.config ]] && user=$root/.config
		id="tree $root $(_tree_id "$root")${user:+ config $(sha256sum <"$user" | cut -c1-16)}"
		;;
	*) die 2 "unknown kernel '$spec' (expected $HPC_KERNEL_SPECS)" ;;
	esac
	hash=$(hash_inputs "$id" "$HPC_TOP/guest-images/chaos.config" \
		"$HPC_TOP/guest-images/chaos-base.config" "$(gcc --version | head -n 1)" "$HPC_KENTRY_LAYOUT")
	local kind=${spec%%:*}
	[[ $spec == chaos:6.12 ]] && kind=chaos-6.12
	dir=$HPC_CACHE/kernels/$kind-$hash
	if [[ ! -f $dir/release ]]; then
		mkdir -p "$HPC_CACHE/kernels"
		tmp=$(cache_tmpdir "$HPC_CACHE/kernels")
		if [[ $spec == tree:* ]]; then
			mirror=$HPC_CACHE/trees/$(printf '%s' "$root" | sha256sum | cut -c1-16)
			progress "mirroring $root into the cache"
			_tree_mirror "$root" "$mirror/linux"
			printf '%s\n' "$root" >"$mirror/origin"
			progress_done
			src=$mirror/linux
		fi
		_kernel_build "$src" "$tmp" "$user"
		printf '%s\n' "$id" >"$tmp/source"
		rm -rf "$dir"
		mv "$tmp" "$dir"
	fi
	printf '%s\n' "$dir"
}

# kernel_prepared chaos|chaos:6.12: the chaos line's build directory,
# configured like the chaos kernel and prepared for out-of-tree modules
# (make modules_prepare: generated headers, scripts, objtool), without
# building the kernel; its path on stdout. A full build of the same line
# later continues in the same directory. For compile checks of the module
# (W=1) against a chaos config when the kernel itself is not needed; there
# is no Module.symvers, so modpost cannot resolve symbols there.
kernel_prepared() {
	local spec=$1 src build log
	deps_ensure kernel >&2 || die 1 "cannot prepare kernel trees without those packages"
	case $spec in
	chaos | chaos:6.1) ;;
	chaos:6.12) HPC_SRC_PKG=linux-source-6.12 ;;
	*) die 2 "kernel_prepared: '$spec' is not a chaos line (chaos, chaos:6.12)" ;;
	esac
	src=$(_src_unpack)
	build=$src/$HPC_BUILD_DIRNAME
	mkdir -p "$build"
	log=$build/.hpchaos-prepare.log
	: >"$log"
	_kernel_configure "$src" "$build" "$log"
	kconfig_verify "$build/.config" "$src"
	local cc=gcc
	_ccache_env && cc="ccache gcc"
	progress "preparing $build for out-of-tree modules"
	_make_bg "$log" -C "$src" O="$build" CC="$cc" -j"$(nproc)" modules_prepare ||
		die 1 "make modules_prepare failed in $build: $(tail -n 3 "$log")"
	printf '%s\n' "$build"
}

# kconfig_opt FILE: --config FILE (for tree:PATH): the config to start from.
kconfig_opt() {
	[[ -f $1 && -r $1 ]] || die 2 "--config $1: no such readable file"
	grep -qE '^(CONFIG_[A-Z0-9_]+=|# CONFIG_[A-Z0-9_]+ is not set)' "$1" ||
		die 2 "--config $1: not a kernel .config (no CONFIG_ lines)"
	HPC_KCONFIG=$(readlink -f "$1")
	export HPC_KCONFIG
}

# _bzimage_version FILE: the version string a bzImage carries (its setup
# header points at it), e.g. "6.1.192-hpchaos (hpchaos@hpchaos) #1 ...".
_bzimage_version() {
	local off
	# boot protocol: "HdrS" at 0x202, kernel_version (a pointer - 0x200) at 0x20e
	[[ $(dd if="$1" bs=1 skip=$((0x202)) count=4 2>/dev/null) == HdrS ]] || return 1
	off=$(od -An -tu2 -j $((0x20e)) -N2 "$1" | tr -d ' ')
	[[ -n $off ]] || return 1
	dd if="$1" bs=1 skip=$((off + 0x200)) count=200 2>/dev/null | tr '\0' '\n' | head -n 1
}

# kernel_prebuilt DIR: a kernel the user already built (in place or with
# O=), taken as it is: no build, DIR never written to. bzImage, .config and
# the modules are checked (each error names the file) and copied into a
# cache entry; cache dir on stdout.
kernel_prebuilt() {
	local bdir=$1 rel ver hash dir tmp m ko bad=0 n=0 v
	bdir=$(readlink -f "$bdir" || true)
	[[ -d $bdir ]] || die 2 "--kernel build:$1: no such directory"
	[[ -f $bdir/.config ]] || die 2 "--kernel build:$bdir: not configured (no $bdir/.config)"
	[[ -f $bdir/include/config/kernel.release ]] ||
		die 2 "--kernel build:$bdir: not built (no $bdir/include/config/kernel.release; run 'make bzImage modules' there)"
	[[ -f $bdir/arch/x86/boot/bzImage ]] ||
		die 2 "--kernel build:$bdir: no kernel image $bdir/arch/x86/boot/bzImage (run 'make bzImage' there)"
	rel=$(<"$bdir/include/config/kernel.release")
	ver=$(_bzimage_version "$bdir/arch/x86/boot/bzImage") ||
		die 2 "--kernel build:$bdir: $bdir/arch/x86/boot/bzImage is not an x86 bzImage"
	[[ ${ver%% *} == "$rel" ]] ||
		die 2 "--kernel build:$bdir: $bdir/arch/x86/boot/bzImage is version ${ver%% *}, but $bdir/include/config/kernel.release says $rel (rebuild: make bzImage modules)"
	if grep -qx 'CONFIG_MODULES=y' "$bdir/.config"; then
		[[ -f $bdir/modules.order ]] ||
			die 2 "--kernel build:$bdir: no $bdir/modules.order (the modules are not built: run 'make modules' there)"
		[[ -f $bdir/Module.symvers ]] ||
			die 2 "--kernel build:$bdir: no $bdir/Module.symvers (the modules are not built: run 'make modules' there)"
		while read -r m; do
			ko=$bdir/${m%.o}
			ko=${ko%.ko}.ko
			if [[ ! -f $ko ]]; then
				msg "build:$bdir: module $ko (listed in modules.order) is missing"
				bad=1
				continue
			fi
			v=$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)
			if [[ $v != "$rel" ]]; then
				msg "build:$bdir: module $ko is for ${v:-an unknown kernel}, not $rel"
				bad=1
			fi
			n=$((n + 1))
		done <"$bdir/modules.order"
		[[ $bad == 0 ]] || die 2 "--kernel build:$bdir: its modules do not match its kernel $rel (see above; run 'make modules' there)"
	fi
	hash=$(hash_inputs "build $bdir" "$bdir/.config" "$bdir/arch/x86/boot/bzImage" "$bdir/modules.order" \
		"$(find "$bdir" -maxdepth 1 -name Module.symvers -printf '%s %T@')" "$HPC_KENTRY_LAYOUT")
	dir=$HPC_CACHE/kernels/build-$hash
	if [[ ! -f $dir/release ]]; then
		mkdir -p "$HPC_CACHE/kernels"
		tmp=$(cache_tmpdir "$HPC_CACHE/kernels")
		progress "taking the kernel built in $bdir ($rel, $n modules)"
		mkdir -p "$tmp/root/lib/modules/$rel/kernel"
		if [[ -f $bdir/modules.order ]]; then
			while read -r m; do
				ko=${m%.o}
				ko=${ko%.ko}.ko
				install -D -m 0644 "$bdir/$ko" "$tmp/root/lib/modules/$rel/kernel/$ko"
			done <"$bdir/modules.order"
			sed 's/\.o$/.ko/' "$bdir/modules.order" | sed 's|^|kernel/|' >"$tmp/root/lib/modules/$rel/modules.order"
		fi
		[[ -f $bdir/modules.builtin ]] && sed 's|^|kernel/|' "$bdir/modules.builtin" >"$tmp/root/lib/modules/$rel/modules.builtin"
		[[ -f $bdir/modules.builtin.modinfo ]] && cp "$bdir/modules.builtin.modinfo" "$tmp/root/lib/modules/$rel/"
		depmod -b "$tmp/root" "$rel"
		cp "$bdir/arch/x86/boot/bzImage" "$tmp/vmlinuz"
		[[ -f $bdir/vmlinux ]] && cp "$bdir/vmlinux" "$tmp/vmlinux"
		cp "$bdir/.config" "$tmp/config"
		[[ -f $bdir/System.map ]] && cp "$bdir/System.map" "$tmp/System.map"
		printf '%s\n' "$rel" >"$tmp/release"
		printf 'build %s\n' "$bdir" >"$tmp/source"
		_kdir_snapshot "$bdir" "$tmp/build"
		progress_done
		rm -rf "$dir"
		mv "$tmp" "$dir"
	fi
	printf '%s\n' "$dir"
}
