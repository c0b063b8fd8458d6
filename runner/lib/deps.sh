# shellcheck shell=bash
# Host dependencies: which Debian packages hpchaos needs, and installing the
# missing ones (as root) or printing the one apt-get line (as anybody else).

# Packages for running scenarios (make run).
HPC_DEPS_RUN=(
	make gcc libc6-dev pkg-config jq
	qemu-system-x86 busybox-static cpio kmod xz-utils zstd
	libjson-c-dev libxml2-dev libcmocka-dev libfiu-dev fiu-utils
	ndctl daxctl scdoc
	gcc-12 libelf-dev libvirt-dev
)
# Packages for building kernels from source (--kernel chaos|tree:PATH).
# binutils: addr2line, for the source lines of report frames (hpc-symbolize).
HPC_DEPS_KERNEL=(flex bison bc libssl-dev libelf-dev ccache xz-utils rsync cpio binutils)
# Packages for the libvirt backend (hpchaos doctor --setup-libvirt, make check).
HPC_DEPS_LIBVIRT=(libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients)
# For --qemu current (runner/lib/qemu.sh): Debian 13's QEMU runs in its own
# root under bubblewrap.
HPC_DEPS_CURRENT=(bubblewrap)
# Extra packages for the test suite (make check).
# clang, its compiler-rt (libFuzzer, sanitizers) and llvm (llvm-symbolizer)
# for the fuzzers (make fuzz; runner/tests/05-fuzz.t).
# libjson-validator-perl (JSON::Validator) checks kcidb.json against the
# KCIDB schema; libxml2-utils: xmllint, junit.xml against its schemas and
# index.html (runner/tools/check-results.sh); chromium and imagemagick:
# index.html rendered and looked at (51-html.t); openssh-server (sshd, run on
# 127.0.0.1 by the test alone, never as a service) and netcat-openbsd (nc -U,
# libvirt's ssh proxy for a socket= URI): a libvirt host reached through
# qemu+ssh:// (runner/tests/chaos/ssh.t).
HPC_DEPS_CHECK=(shellcheck perl jq bubblewrap clang libclang-rt-14-dev llvm man-db libjson-validator-perl libxml2-utils
	chromium imagemagick openssh-server netcat-openbsd)

# deps_missing PKG...: print the packages that are not installed.
deps_missing() {
	local p
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			printf '%s\n' "$p"
		fi
	done
}

# deps_ensure run|check|kernel|libvirt|current: install what is missing, or say how.
deps_ensure() {
	local what=$1 missing=()
	local -a want=("${HPC_DEPS_RUN[@]}")
	case $what in
	check) want+=("${HPC_DEPS_CHECK[@]}" "${HPC_DEPS_KERNEL[@]}" "${HPC_DEPS_LIBVIRT[@]}") ;;
	libvirt) want+=("${HPC_DEPS_LIBVIRT[@]}") ;;
	current) want+=("${HPC_DEPS_CURRENT[@]}") ;;
	kernel) want+=("${HPC_DEPS_KERNEL[@]}") ;;
	esac
	mapfile -t missing < <(deps_missing "${want[@]}")
	if [[ ${#missing[@]} -eq 0 ]]; then
		info "all ${#want[@]} host packages present"
		return 0
	fi
	if [[ $(id -u) -ne 0 ]]; then
		msg "missing host packages: ${missing[*]}"
		msg "install them with:  sudo apt-get install -y --no-install-recommends ${missing[*]}"
		return 1
	fi
	msg "installing missing host packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null || msg "apt-get update failed; trying the install with the lists there are"
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
		die 1 "apt-get install failed for: ${missing[*]}"
	mapfile -t missing < <(deps_missing "${want[@]}")
	[[ ${#missing[@]} -eq 0 ]] || die 1 "still missing after install: ${missing[*]}"
	msg "installed"
}
