# shellcheck shell=bash
# Host dependencies: which Debian packages hpchaos needs, and installing the
# missing ones (as root) or printing the one apt-get line (as anybody else).

# Packages for running scenarios (make run).
HPC_DEPS_RUN=(
	make gcc libc6-dev pkg-config
	qemu-system-x86 busybox-static cpio kmod xz-utils zstd
	libjson-c-dev libcmocka-dev libfiu-dev fiu-utils
	ndctl daxctl
	gcc-12 libelf-dev libvirt-dev
)
# Packages for building kernels from source (--kernel chaos|tree:PATH).
HPC_DEPS_KERNEL=(flex bison bc libssl-dev libelf-dev ccache xz-utils)
# Packages for the libvirt backend (hpchaos doctor --setup-libvirt, make check).
HPC_DEPS_LIBVIRT=(libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients)
# Extra packages for the test suite (make check). deps_ensure check adds
# the newest Debian 12 6.12 headers (deps_headers_612): the W=1 build of
# kmod in runner/tests/01-static.t needs a 6.12 tree next to 6.1.
HPC_DEPS_CHECK=(shellcheck perl jq)

# deps_headers_612: the newest linux-headers-6.12.*+deb12-amd64 in apt's
# lists (bookworm-security; it pulls in its -common and linux-kbuild-6.12).
deps_headers_612() {
	{ apt-cache pkgnames linux-headers-6.12. 2>/dev/null || true; } |
		grep -E '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' | sort -V | tail -n 1
}

# deps_missing PKG...: print the packages that are not installed.
deps_missing() {
	local p
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			printf '%s\n' "$p"
		fi
	done
}

# deps_ensure run|check|kernel|libvirt: install what is missing, or say how.
deps_ensure() {
	local what=$1 missing=() h612
	local -a want=("${HPC_DEPS_RUN[@]}")
	case $what in
	check)
		want+=("${HPC_DEPS_CHECK[@]}" "${HPC_DEPS_KERNEL[@]}" "${HPC_DEPS_LIBVIRT[@]}")
		h612=$(deps_headers_612)
		if [[ -n $h612 ]]; then
			want+=("$h612")
		else
			msg "no linux-headers-6.12.*+deb12-amd64 in apt's lists (bookworm-security missing, or run apt-get update): the 6.12 kmod build test will fail"
		fi
		;;
	libvirt) want+=("${HPC_DEPS_LIBVIRT[@]}") ;;
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
