# shellcheck shell=bash
# Guest images: kernel + initramfs, cached by content hash under $HPC_CACHE.
#
# image_ensure SPEC sets:
#   IMG_KERNEL   path of the bzImage
#   IMG_INITRD   path of the initramfs (cpio.gz)
#   IMG_RELEASE  uname -r of the guest kernel
#   IMG_SOURCE   stock | ...
#   IMG_KBUILD   kernel build dir for out-of-tree modules
#   IMG_CONFIG   the kernel's .config
# Nothing is written to the host's /boot or /lib/modules, nor to the checkout.

IMG_META_PKG=${HPC_STOCK_META_PKG:-linux-image-amd64}

# _deb_depends PKG PREFIX: the first dependency of PKG whose name starts with PREFIX.
_deb_depends() {
	{ apt-cache depends "$1" 2>/dev/null || true; } |
		awk -v p="$2" '$1 == "Depends:" && index($2, p) == 1 { print $2; exit }'
}

# _apt_lists_key: changes whenever apt's package lists change.
_apt_lists_key() {
	stat -c '%n %Y %s' /var/lib/apt/lists/*Packages* 2>/dev/null | sha256sum | cut -c1-16
}

# _stock_resolve_cached: _stock_resolve, remembered while apt's lists stay
# the same (apt-cache costs about 1.5 s a run).
_stock_resolve_cached() {
	local memo=$HPC_CACHE/stock-resolved${STOCK_LINE:+-$STOCK_LINE} key
	key=$IMG_META_PKG${STOCK_LINE:+-$STOCK_LINE}-$(_apt_lists_key)
	if [[ -f $memo && $(head -n 1 "$memo") == "$key" ]]; then
		{
			read -r _
			read -r STOCK_IMAGE_PKG STOCK_HEADERS_PKG STOCK_COMMON_PKG STOCK_KBUILD_PKG STOCK_VERSION
		} <"$memo"
		[[ -n $STOCK_VERSION ]] && return 0
	fi
	_stock_resolve
	mkdir -p "$HPC_CACHE"
	printf '%s\n%s %s %s %s %s\n' "$key" \
		"$STOCK_IMAGE_PKG" "$STOCK_HEADERS_PKG" "$STOCK_COMMON_PKG" "$STOCK_KBUILD_PKG" "$STOCK_VERSION" >"$memo"
}

# _stock_resolve: set STOCK_IMAGE_PKG, STOCK_HEADERS_PKG, STOCK_COMMON_PKG,
# STOCK_KBUILD_PKG and STOCK_VERSION from apt's lists. STOCK_LINE empty: the kernel
# Debian's meta package names (6.1 on Debian 12); STOCK_LINE=6.12: the newest
# linux-image-6.12.*+deb12-amd64-unsigned (bookworm-security).
_stock_newest() {
	{ apt-cache search --names-only "^linux-image-${STOCK_LINE//./\\.}\\.[0-9]+\\+deb[0-9]+-amd64-unsigned\$" 2>/dev/null || true; } |
		awk '{ print $1 }' | sort -V | tail -n 1
}
_stock_resolve() {
	if [[ -n ${STOCK_LINE:-} ]]; then
		STOCK_IMAGE_PKG=$(_stock_newest)
		if [[ -z $STOCK_IMAGE_PKG && $(id -u) -eq 0 ]]; then
			apt-get update -q >/dev/null || true
			STOCK_IMAGE_PKG=$(_stock_newest)
		fi
		[[ -n $STOCK_IMAGE_PKG ]] ||
			die 2 "no linux-image-$STOCK_LINE.*-amd64-unsigned package known to apt-cache (Debian 12 has it in bookworm-security; as root, run 'apt-get update')"
	else
		STOCK_IMAGE_PKG=$(_deb_depends "$IMG_META_PKG" linux-image-)
		if [[ -z $STOCK_IMAGE_PKG && $(id -u) -eq 0 ]]; then
			msg "apt has no package lists yet; running apt-get update"
			apt-get update -q >/dev/null || true
			STOCK_IMAGE_PKG=$(_deb_depends "$IMG_META_PKG" linux-image-)
		fi
		[[ -n $STOCK_IMAGE_PKG ]] ||
			die 2 "kernel package $IMG_META_PKG not found by apt-cache (as root, run 'apt-get update' first)"
	fi
	STOCK_HEADERS_PKG=${STOCK_IMAGE_PKG/linux-image-/linux-headers-}
	STOCK_HEADERS_PKG=${STOCK_HEADERS_PKG%-unsigned}
	STOCK_COMMON_PKG=$(_deb_depends "$STOCK_HEADERS_PKG" linux-headers-)
	STOCK_KBUILD_PKG=$(_deb_depends "$STOCK_HEADERS_PKG" linux-kbuild-)
	STOCK_VERSION=$(apt-cache policy "$STOCK_IMAGE_PKG" | awk '$1 == "Candidate:" { print $2 }')
	[[ -n $STOCK_COMMON_PKG && -n $STOCK_KBUILD_PKG && -n $STOCK_VERSION ]] ||
		die 1 "cannot resolve the headers of $STOCK_IMAGE_PKG with apt-cache"
}

# _stock_unpack DIR: download the four packages and unpack them into DIR.
_stock_unpack() {
	local dir=$1 debs=$HPC_CACHE/debs pkg f rel dl
	[[ -n $dir && -d $dir ]] || die 1 "internal error: no unpack directory"
	mkdir -p "$debs" "$dir/root"
	for pkg in "$STOCK_IMAGE_PKG" "$STOCK_HEADERS_PKG" "$STOCK_COMMON_PKG" "$STOCK_KBUILD_PKG"; do
		f=$(find "$debs" -maxdepth 1 -name "${pkg}_${STOCK_VERSION//:/%3a}_*.deb" -print -quit)
		if [[ -z $f ]]; then
			progress "downloading $pkg $STOCK_VERSION"
			# into a temporary directory: an interrupted download never
			# leaves a truncated .deb where the next run would take it
			dl=$(cache_tmpdir "$debs")
			(cd "$dl" && apt-get download -q "$pkg=$STOCK_VERSION" >/dev/null 2>"$dir/apt.err") ||
				die 1 "apt-get download $pkg=$STOCK_VERSION failed: $(tail -n 1 "$dir/apt.err")"
			f=$(find "$dl" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)
			[[ -n $f ]] || die 1 "apt-get download $pkg=$STOCK_VERSION left no .deb"
			mv "$f" "$debs/"
			f=$debs/${f##*/}
			rm -rf "$dl"
		fi
		progress "unpacking $(basename "$f")"
		dpkg-deb -x "$f" "$dir/root"
	done
	progress_done
	rel=${STOCK_IMAGE_PKG#linux-image-}
	rel=${rel%-unsigned}
	# Debian makes modules.dep at install time; make it here.
	depmod -b "$dir/root" "$rel"
	cp "$dir/root/boot/vmlinuz-$rel" "$dir/vmlinuz"
	cp "$dir/root/boot/config-$rel" "$dir/config"
	printf '%s\n' "$rel" >"$dir/release"
	printf 'stock %s %s\n' "$STOCK_IMAGE_PKG" "$STOCK_VERSION" >"$dir/source"
	rm -f "$dir/apt.err"
}

# image_stock_kernel: unpacked stock kernel dir on stdout (cached).
image_stock_kernel() {
	local dir tmp
	_stock_resolve_cached
	dir=$HPC_CACHE/kernels/stock-${STOCK_IMAGE_PKG#linux-image-}-${STOCK_VERSION//[:~]/_}
	if [[ ! -f $dir/release ]]; then
		mkdir -p "$HPC_CACHE/kernels"
		tmp=$(cache_tmpdir "$HPC_CACHE/kernels")
		_stock_unpack "$tmp"
		# The headers' Makefile includes the common headers by absolute path.
		sed -i "s|/usr/src/|$dir/root/usr/src/|" "$tmp/root/usr/src/linux-headers-$(<"$tmp/release")/Makefile"
		rm -rf "$dir"
		mv "$tmp" "$dir"
	fi
	printf '%s\n' "$dir"
}

# image_stock_symbols KDIR: the debug info of the stock kernel in KDIR, from
# Debian's linux-image-*-dbg of the same version (about 860 MiB to fetch):
# a cache directory with vmlinux and modules/ (the device-memory drivers:
# dax, cxl, nvdimm) on stdout. For 'hpchaos run --symbols'.
image_stock_symbols() {
	local kdir=$1 kind pkg ver rel dir tmp f dl rc=0
	read -r kind pkg ver <"$kdir/source"
	[[ $kind == stock && -n $pkg && -n $ver ]] || die 1 "internal error: $kdir is not a stock kernel"
	rel=$(<"$kdir/release")
	pkg=${pkg%-unsigned}-dbg
	dir=$HPC_CACHE/symbols/$pkg-${ver//[:~]/_}
	if [[ ! -f $dir/vmlinux ]]; then
		mkdir -p "$HPC_CACHE/symbols"
		tmp=$(cache_tmpdir "$HPC_CACHE/symbols")
		progress "downloading $pkg $ver (debug info for --symbols)"
		dl=$tmp/deb
		mkdir "$dl"
		(cd "$dl" && apt-get download -q "$pkg=$ver" >/dev/null 2>"$tmp/apt.err") ||
			die 1 "--symbols: apt-get download $pkg=$ver failed: $(tail -n 1 "$tmp/apt.err")"
		f=$(find "$dl" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)
		[[ -n $f ]] || die 1 "--symbols: apt-get download $pkg=$ver left no .deb"
		progress "unpacking vmlinux and the device-memory modules of $pkg"
		# tar says "Not found" for a driver directory the kernel has built in
		dpkg-deb --fsys-tarfile "$f" | tar -x -C "$tmp" --wildcards \
			"./usr/lib/debug/boot/vmlinux-$rel" \
			"./usr/lib/debug/lib/modules/$rel/kernel/drivers/dax/*" \
			"./usr/lib/debug/lib/modules/$rel/kernel/drivers/cxl/*" \
			"./usr/lib/debug/lib/modules/$rel/kernel/drivers/nvdimm/*" 2>"$tmp/tar.err" || rc=$?
		progress_done
		[[ -f $tmp/usr/lib/debug/boot/vmlinux-$rel ]] ||
			die 1 "--symbols: no vmlinux-$rel in $pkg (tar exit $rc: $(tail -n 1 "$tmp/tar.err"))"
		mv "$tmp/usr/lib/debug/boot/vmlinux-$rel" "$tmp/vmlinux"
		mkdir -p "$tmp/modules"
		[[ ! -d $tmp/usr/lib/debug/lib/modules/$rel ]] || mv "$tmp/usr/lib/debug/lib/modules/$rel" "$tmp/modules/"
		rm -rf "$dl" "${tmp:?}/usr" "$tmp/apt.err" "$tmp/tar.err"
		rm -rf "$dir"
		mv "$tmp" "$dir"
	fi
	printf '%s\n' "$dir"
}


# _modules_closure MODDIR NAMES...: module files (relative to MODDIR) for
# NAMES and everything they depend on, from modules.dep.
_modules_closure() {
	local moddir=$1
	shift
	awk -v names="$*" '
		BEGIN { n = split(names, want, " "); for (i = 1; i <= n; i++) { w = want[i]; gsub("-", "_", w); need[w] = 1 } }
		FILENAME ~ /modules.builtin$/ { b = $1; sub(".*/", "", b); sub("\\.ko$", "", b); gsub("-", "_", b); builtin[b] = 1; next }
		{
			file = $1; sub(":$", "", file)
			base = file; sub(".*/", "", base); sub("\\.ko(\\.[a-z]+)?$", "", base); gsub("-", "_", base)
			deps[base] = $0
		}
		END {
			changed = 1
			while (changed) {
				changed = 0
				for (m in need) {
					if (!(m in deps) || (m in done)) continue
					done[m] = 1; changed = 1
					k = split(deps[m], f, " ")
					for (i = 2; i <= k; i++) { d = f[i]; sub(".*/", "", d); sub("\\.ko(\\.[a-z]+)?$", "", d); gsub("-", "_", d); need[d] = 1 }
					out = deps[m]; sub(":.*", "", out); print out
				}
			}
			for (m in need) if (!(m in deps) && !(m in builtin)) print m > "/dev/stderr"
		}' "$moddir/modules.builtin" "$moddir/modules.dep"
}

# _copy_with_libs BIN DEST: copy a dynamic binary and its libraries (from ldd).
_copy_with_libs() {
	local bin=$1 dest=$2 lib
	install -D -m 0755 "$bin" "$dest/usr/bin/$(basename "$bin")"
	while read -r lib; do
		[[ -n $lib && -f $lib ]] || continue
		[[ -e $dest$lib ]] || install -D -m 0755 "$lib" "$dest$lib"
	done < <(ldd "$bin" | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }')
}

# image_initramfs KDIR RELEASE KMOD_DIR: build (or reuse) the initramfs; path on stdout.
image_initramfs() {
	local kdir=$1 rel=$2 kmods=$3 moddir hash out tmp root m f
	local guest_bins=("$HPC_GUEST_BIN"/hpc-*)
	local -a extra_bins=()
	[[ -d $kdir/extra-bin ]] && mapfile -t extra_bins < <(find "$kdir/extra-bin" -type f | LC_ALL=C sort)
	local tools=(/usr/bin/ndctl /usr/bin/daxctl /usr/bin/cxl)
	moddir=$kdir/root/lib/modules/$rel
	[[ -x ${guest_bins[0]} ]] || die 1 "guest programs not built ($HPC_GUEST_BIN); run make first"
	for f in /bin/busybox "${tools[@]}"; do
		[[ -x $f ]] || die 1 "$f is missing (host package not installed; run make run as root)"
	done
	hash=$(hash_inputs "$rel" "$kdir/source" "$HPC_TOP/guest-images/init" \
		"$HPC_TOP/guest-images/guest.modules" /bin/busybox "${tools[@]}" \
		"${guest_bins[@]}" "${extra_bins[@]}" "$kmods"/*.ko)
	out=$HPC_CACHE/initramfs/$rel-$hash.cpio.gz
	if [[ -f $out && -f ${out%.cpio.gz}.modules ]]; then
		printf '%s\n' "$out"
		return 0
	fi
	mkdir -p "$HPC_CACHE/initramfs"
	tmp=$(cache_tmpdir "$HPC_CACHE/initramfs")
	root=$tmp/root
	progress "building initramfs for $rel"
	mkdir -p "$root"/{bin,sbin,etc/hpchaos,proc,sys,dev,tmp,run,mnt,usr/bin,usr/sbin,lib/modules/"$rel"}
	install -m 0755 /bin/busybox "$root/bin/busybox"
	for m in $("$root/bin/busybox" --list); do
		[[ $m == busybox ]] || ln -s busybox "$root/bin/$m"
	done
	install -m 0755 "$HPC_TOP/guest-images/init" "$root/init"
	for f in "${guest_bins[@]}" "${extra_bins[@]}"; do
		install -m 0755 "$f" "$root/bin/$(basename "$f")"
	done
	for f in "${tools[@]}"; do
		_copy_with_libs "$f" "$root"
	done
	# Kernel modules: the listed ones and their dependencies.
	local -a names
	mapfile -t names < <(grep -v -e '^#' -e '^$' "$HPC_TOP/guest-images/guest.modules")
	while read -r f; do
		install -D -m 0644 "$moddir/$f" "$root/lib/modules/$rel/$f"
	done < <(_modules_closure "$moddir" "${names[@]}" 2>"$tmp/missing")
	if [[ -s $tmp/missing ]]; then
		msg "kernel $rel lacks modules: $(tr '\n' ' ' <"$tmp/missing")"
	fi
	[[ -f $moddir/modules.dep ]] || die 1 "$moddir/modules.dep is missing"
	for f in "$kmods"/*.ko; do
		[[ -f $f ]] && install -D -m 0644 "$f" "$root/lib/modules/$rel/extra/$(basename "$f")"
	done
	cp "$moddir"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$rel/" 2>/dev/null || true
	depmod -b "$root" "$rel"
	printf 'virtio_pci\nvirtio_console\n' >"$root/etc/hpchaos/modules.boot"
	# The modules this image has, built in or loadable, for 'requires module'.
	{
		cut -d: -f1 "$root/lib/modules/$rel/modules.dep"
		cat "$moddir/modules.builtin"
	} | sed -e 's|.*/||' -e 's|\.ko.*||' | tr - _ | LC_ALL=C sort -u >"$tmp/modules"
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet --reproducible) | gzip -1 >"$tmp/initramfs.cpio.gz"
	mv "$tmp/modules" "${out%.cpio.gz}.modules"
	mv "$tmp/initramfs.cpio.gz" "$out"
	rm -rf "$tmp"
	progress_done
	printf '%s\n' "$out"
}

# image_kmod KDIR RELEASE KBUILD: build kmod/ against the kernel build dir
# KBUILD; dir of .ko files on stdout.
image_kmod() {
	local kdir=$1 rel=$2 build=$3 hash out tmp
	local -a srcs
	local planted=${HPC_PLANTED:-none}
	mapfile -t srcs < <(find "$HPC_TOP/kmod" -type f \( -name '*.[ch]' -o -name Makefile -o -name Kbuild \) | LC_ALL=C sort)
	hash=$(hash_inputs "$rel" "$kdir/source" "planted=$planted" "${srcs[@]}")
	out=$HPC_CACHE/kmod/$rel-$hash
	if [[ ! -d $out ]]; then
		mkdir -p "$HPC_CACHE/kmod"
		tmp=$(cache_tmpdir "$HPC_CACHE/kmod")
		cp -r "$HPC_TOP/kmod/." "$tmp/src"
		progress "building kmod/ for $rel${HPC_PLANTED:+ with planted bug $HPC_PLANTED}"
		make -s -C "$tmp/src" KDIR="$build" PLANTED="$planted" >"$tmp/build.log" 2>&1 ||
			die 1 "kmod build failed against $rel: $(tail -n 5 "$tmp/build.log")"
		mkdir -p "$tmp/out"
		find "$tmp/src" -name '*.ko' -exec cp {} "$tmp/out/" \;
		mv "$tmp/out" "$out"
		rm -rf "$tmp"
		progress_done
	fi
	printf '%s\n' "$out"
}

# image_ensure SPEC: make kernel + initramfs exist; sets IMG_*.
image_ensure() {
	local spec=${1:-stock} kdir kmods sdir
	mkdir -p "$HPC_CACHE"
	case $spec in
	stock | stock:6.1)
		bg_run kdir with_lock "$HPC_CACHE/stock.lock" image_stock_kernel
		IMG_KBUILD=$kdir/root/usr/src/linux-headers-$(<"$kdir/release")
		;;
	stock:6.12)
		STOCK_LINE=6.12 bg_run kdir with_lock "$HPC_CACHE/stock.lock" image_stock_kernel
		IMG_KBUILD=$kdir/root/usr/src/linux-headers-$(<"$kdir/release")
		;;
	chaos | chaos:6.1 | chaos:6.12 | tree:*)
		bg_run kdir with_lock "$HPC_CACHE/kernel.lock" kernel_built "$spec"
		IMG_KBUILD=$kdir/build
		;;
	build:*)
		bg_run kdir with_lock "$HPC_CACHE/kernel.lock" kernel_prebuilt "${spec#build:}"
		IMG_KBUILD=$kdir/build
		;;
	*)
		die 2 "unknown kernel '$spec' (expected $HPC_KERNEL_SPECS)"
		;;
	esac
	IMG_RELEASE=$(<"$kdir/release")
	IMG_SOURCE=$(<"$kdir/source")
	IMG_KERNEL=$kdir/vmlinuz
	IMG_CONFIG=$kdir/config
	bg_run kmods with_lock "$HPC_CACHE/kmod.lock" image_kmod "$kdir" "$IMG_RELEASE" "$IMG_KBUILD"
	bg_run IMG_INITRD with_lock "$HPC_CACHE/initramfs.lock" image_initramfs "$kdir" "$IMG_RELEASE" "$kmods"
	IMG_MODULES=${IMG_INITRD%.cpio.gz}.modules
	# for file:line in kernel reports (hpc-symbolize): the kernel with its
	# debug info (built kernels keep it; a stock one has it from Debian's
	# -dbg package with --symbols, else only our module's frames resolve)
	# and where the modules are (ours, then the kernel's)
	IMG_VMLINUX=
	# shellcheck disable=SC2034 # read by symbolize_result (slots.sh)
	IMG_SYMDIRS=("$kmods" "$kdir/root/lib/modules")
	if [[ -f $kdir/vmlinux ]]; then
		IMG_VMLINUX=$kdir/vmlinux
	elif [[ -n ${HPC_SYMBOLS:-} ]]; then
		bg_run sdir with_lock "$HPC_CACHE/symbols.lock" image_stock_symbols "$kdir"
		IMG_VMLINUX=$sdir/vmlinux
		# shellcheck disable=SC2034 # read by symbolize_result (slots.sh)
		IMG_SYMDIRS=("$kmods" "$sdir/modules")
	fi
	export IMG_KERNEL IMG_INITRD IMG_RELEASE IMG_SOURCE IMG_KBUILD IMG_CONFIG IMG_MODULES IMG_VMLINUX
}

# planted_names: the planted-bug variants kmod/Kbuild knows, one per line.
planted_names() {
	sed -n 's/^hpc_planted_macro_\([a-z-]*\) :=.*/\1/p' "$HPC_TOP/kmod/Kbuild"
}

# planted_check NAME: die 2 unless NAME is a planted bug (or none).
planted_check() {
	[[ $1 == none ]] && return 0
	planted_names | grep -qx -- "$1" ||
		die 2 "--planted: unknown planted bug '$1' (known: $(planted_names | paste -sd ' '))"
}
