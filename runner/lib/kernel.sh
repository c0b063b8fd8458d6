# shellcheck shell=bash
# Guest kernels built from source: 'chaos' (Debian's linux-source-6.1 with
# guest-images/chaos*.config) and 'tree:PATH' (a user's tree, same
# fragments). Built out of tree (O=) into the cache, so a user's tree is
# never written to. Every option chaos.config asks for is checked in the
# final .config; a missing one stops the build with its name and what it
# depends on.
#
# kernel_built SPEC prints the cache directory of a built kernel with the
# same layout as a stock one: vmlinuz, config, release, source, root/ (the
# installed modules), build/ (the O= tree, usable as KDIR).

HPC_SRC_PKG=${HPC_SRC_PKG:-linux-source-6.1}

# _src_unpack: Debian's kernel source, unpacked once into the cache; dir on stdout.
_src_unpack() {
	local version dir tmp deb debs=$HPC_CACHE/debs
	version=$({ apt-cache policy "$HPC_SRC_PKG" 2>/dev/null || true; } | awk '$1 == "Candidate:" { print $2 }')
	[[ -n $version && $version != "(none)" ]] ||
		die 2 "kernel source package $HPC_SRC_PKG not found by apt-cache (as root, run 'apt-get update')"
	dir=$HPC_CACHE/src/$HPC_SRC_PKG-${version//[:~]/_}
	if [[ ! -f $dir/.hpchaos-complete ]]; then
		mkdir -p "$debs" "$HPC_CACHE/src"
		deb=$(find "$debs" -maxdepth 1 -name "${HPC_SRC_PKG}_${version//:/%3a}_*.deb" -print -quit)
		if [[ -z $deb ]]; then
			progress "downloading $HPC_SRC_PKG $version"
			(cd "$debs" && apt-get download -q "$HPC_SRC_PKG=$version" >/dev/null 2>&1) ||
				die 1 "apt-get download $HPC_SRC_PKG=$version failed"
			deb=$(find "$debs" -maxdepth 1 -name "${HPC_SRC_PKG}_*.deb" -print -quit)
		fi
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

# _tree_id SRC: what identifies the state of a user's tree.
_tree_id() {
	local src=$1
	if git -C "$src" rev-parse HEAD >/dev/null 2>&1; then
		printf 'git %s %s\n' "$(git -C "$src" rev-parse HEAD)" \
			"$(git -C "$src" diff HEAD 2>/dev/null | sha256sum | cut -c1-16)"
	else
		find "$src" -type f \( -name '*.[chS]' -o -name 'Kconfig*' -o -name 'Makefile*' -o -name Kbuild \) \
			-printf '%P %s %T@\n' | LC_ALL=C sort | sha256sum | cut -c1-16
	fi
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

# _kernel_build SRC OUT: configure, verify, build, install modules.
_kernel_build() {
	local src=$1 out=$2 build=$2/build jobs rel cc=gcc log=$2/build.log
	jobs=$(nproc)
	if command -v ccache >/dev/null; then
		cc="ccache gcc"
		export CCACHE_DIR=${CCACHE_DIR:-$HPC_CACHE/ccache}
	fi
	mkdir -p "$build"
	progress "configuring kernel from $src"
	make -s -C "$src" O="$build" x86_64_defconfig >"$log" 2>&1 ||
		die 1 "make x86_64_defconfig failed in $src: $(tail -n 3 "$log")"
	# merge_config.sh writes a temporary file in its working directory: run
	# it in the build directory, never in the (user's) source tree.
	(cd "$build" && "$src/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" \
		"$src/kernel/configs/kvm_guest.config" "$HPC_TOP/guest-images/chaos-trim.config" \
		"$HPC_TOP/guest-images/chaos.config") >>"$log" 2>&1 ||
		die 1 "merging the config fragments failed: $(tail -n 3 "$log")"
	make -s -C "$src" O="$build" olddefconfig >>"$log" 2>&1 ||
		die 1 "make olddefconfig failed: $(tail -n 3 "$log")"
	kconfig_verify "$build/.config" "$src"
	msg "building the kernel with $jobs jobs (a cold build takes a while; log: $log)"
	local t0=$SECONDS mpid rc=0
	make -C "$src" O="$build" CC="$cc" -j"$jobs" bzImage modules >>"$log" 2>&1 &
	mpid=$!
	while kill -0 "$mpid" 2>/dev/null; do
		progress "building kernel: $(grep -c '^  CC' "$log" || true) files compiled, $((SECONDS - t0)) s"
		sleep 5
	done
	wait "$mpid" || rc=$?
	progress_done
	[[ $rc == 0 ]] ||
		die 1 "kernel build failed: $(grep -m 3 -E 'error|Error' "$log" || tail -n 3 "$log")"
	msg "kernel built in $((SECONDS - t0)) s"
	make -s -C "$src" O="$build" INSTALL_MOD_PATH="$out/root" modules_install >>"$log" 2>&1 ||
		die 1 "modules_install failed: $(tail -n 3 "$log")"
	rel=$(make -s -C "$src" O="$build" kernelrelease 2>/dev/null)
	depmod -b "$out/root" "$rel"
	# The kernel's own HMM selftest, from the same source, for the guest.
	mkdir -p "$out/extra-bin"
	if [[ -f $src/tools/testing/selftests/vm/hmm-tests.c ]]; then
		gcc -static -O2 -I"$src" -o "$out/extra-bin/hmm-tests" \
			"$src/tools/testing/selftests/vm/hmm-tests.c" -lpthread >>"$log" 2>&1 ||
			msg "hmm-tests did not build (see $log); the hmm selftest scenario will be skipped"
	fi
	cp "$build/arch/x86/boot/bzImage" "$out/vmlinuz"
	cp "$build/.config" "$out/config"
	printf '%s\n' "$rel" >"$out/release"
}

# kernel_built chaos|tree:PATH: build (or find) the kernel; cache dir on stdout.
kernel_built() {
	local spec=$1 src id hash dir tmp
	deps_ensure kernel || die 1 "cannot build kernels without those packages"
	case $spec in
	chaos)
		src=$(_src_unpack)
		id=$(<"$src/.hpchaos-complete")
		;;
	tree:*)
		src=$(readlink -f "${spec#tree:}" || true)
		[[ -f $src/Makefile && -f $src/Kconfig && -d $src/arch/x86 ]] ||
			die 2 "--kernel $spec: not a kernel source tree (no Makefile, Kconfig or arch/x86)"
		id="tree $src $(_tree_id "$src")"
		;;
	*) die 2 "unknown kernel '$spec' (expected stock, chaos or tree:PATH)" ;;
	esac
	hash=$(hash_inputs "$id" "$HPC_TOP/guest-images/chaos.config" \
		"$HPC_TOP/guest-images/chaos-trim.config" "$(gcc --version | head -n 1)")
	dir=$HPC_CACHE/kernels/${spec%%:*}-$hash
	if [[ ! -f $dir/release ]]; then
		mkdir -p "$HPC_CACHE/kernels"
		tmp=$(cache_tmpdir "$HPC_CACHE/kernels")
		_kernel_build "$src" "$tmp"
		printf '%s\n' "$id" >"$tmp/source"
		rm -rf "$dir"
		mv "$tmp" "$dir"
		# The O= tree records its own path; keep it usable as KDIR.
		ln -sfn . "$dir/build/source-moved" 2>/dev/null || true
	fi
	printf '%s\n' "$dir"
}
