# shellcheck shell=bash
# The libvirt backend (docs/backends.md): the conductor's guest process is
# hpc-libvirt, which starts the scenario's machine as a transient,
# auto-destroyed libvirt domain and carries console, agent and QMP over the
# libvirt connection. The same interface as backend-qemu.sh, with the URI
# of the libvirt daemon as an extra argument.
#
# A URI whose daemon sees this machine's files (qemu:///system,
# qemu:///session) gets the image and the run directory's backing files by
# path. Any other URI is a remote host: the kernel and initramfs are copied
# once into its storage pool 'hpchaos' (volume names carry their content
# hash) and backing files are made as volumes of that pool per run.

HPC_LIBVIRT_URI_DEFAULT=qemu:///system
HPC_LIBVIRT_POOL=${HPC_LIBVIRT_POOL:-hpchaos}
HPC_LIBVIRT_POOL_DIR=${HPC_LIBVIRT_POOL_DIR:-/var/lib/libvirt/images/hpchaos}
declare -gA LV_KERNEL=() LV_INITRD=()

# lv URI ARGS...: virsh on URI, quiet, no interactive prompts.
lv() {
	local uri=$1
	shift
	virsh -q -c "$uri" "$@" </dev/null
}

# libvirt_uri_local URI: true if URI's daemon sees this machine's files.
libvirt_uri_local() {
	[[ $1 == qemu:///system || $1 == qemu:///session ]]
}

# libvirt_uri_check URI: refuse what is not a libvirt QEMU URI.
libvirt_uri_check() {
	[[ $1 =~ ^qemu(\+[a-z]+)?://[A-Za-z0-9_.@:\[\]-]*/(system|session)(\?[A-Za-z0-9_./=\&%-]*)?$ ]] ||
		die 2 "libvirt URI '$1': expected qemu[+TRANSPORT]://[HOST]/system or /session (e.g. qemu:///system, qemu+ssh://lab1/system)"
}

# backend_libvirt_probe URI: one line about the daemon; false if unusable.
backend_libvirt_probe() {
	local uri=$1 out lib hyp
	command -v virsh >/dev/null || {
		echo "virsh not found (Debian package libvirt-clients; 'hpchaos doctor --setup-libvirt' installs it)"
		return 1
	}
	if ! out=$(lv "$uri" version 2>&1); then
		echo "cannot connect to $uri: $(printf '%s\n' "$out" | grep -v '^$' | tail -n 1)"
		return 1
	fi
	lib=$(sed -n 's/^Using library: libvirt //p' <<<"$out")
	hyp=$(sed -n 's/^Running hypervisor: //p' <<<"$out")
	echo "libvirt ${lib:-?} at $uri, ${hyp:-no hypervisor}"
}

# libvirt_pool_ensure URI: the 'hpchaos' directory pool exists and runs.
libvirt_pool_ensure() {
	local uri=$1
	if ! lv "$uri" pool-info "$HPC_LIBVIRT_POOL" >/dev/null 2>&1; then
		msg "$uri: defining storage pool $HPC_LIBVIRT_POOL at $HPC_LIBVIRT_POOL_DIR"
		lv "$uri" pool-define-as "$HPC_LIBVIRT_POOL" dir --target "$HPC_LIBVIRT_POOL_DIR" >/dev/null ||
			die 1 "$uri: cannot define storage pool $HPC_LIBVIRT_POOL"
		lv "$uri" pool-build "$HPC_LIBVIRT_POOL" >/dev/null 2>&1 || true
	fi
	if ! lv "$uri" pool-info "$HPC_LIBVIRT_POOL" 2>/dev/null | grep -q '^State: *running'; then
		lv "$uri" pool-start "$HPC_LIBVIRT_POOL" >/dev/null ||
			die 1 "$uri: cannot start storage pool $HPC_LIBVIRT_POOL"
	fi
	lv "$uri" pool-refresh "$HPC_LIBVIRT_POOL" >/dev/null || true
}

# libvirt_upload URI FILE KIND: print the path on the host of a volume with
# FILE's content, uploading it unless a complete one is there. A volume is
# complete when its marker volume NAME.ok exists (made after the upload).
libvirt_upload() {
	local uri=$1 file=$2 kind=$3 hash vol size
	hash=$(sha256sum "$file" | cut -c1-16)
	vol=hpchaos-$hash-$kind
	if ! lv "$uri" vol-info --pool "$HPC_LIBVIRT_POOL" "$vol.ok" >/dev/null 2>&1; then
		lv "$uri" vol-delete --pool "$HPC_LIBVIRT_POOL" "$vol" >/dev/null 2>&1 || true
		size=$(stat -c %s "$file")
		msg "$uri: copying $kind ($(fmt_mib $((size / 1048576 + 1)))) into pool $HPC_LIBVIRT_POOL as $vol"
		lv "$uri" vol-create-as "$HPC_LIBVIRT_POOL" "$vol" "$size" --format raw >/dev/null &&
			lv "$uri" vol-upload --pool "$HPC_LIBVIRT_POOL" "$vol" "$file" &&
			lv "$uri" vol-create-as "$HPC_LIBVIRT_POOL" "$vol.ok" 0 --format raw >/dev/null ||
			die 1 "$uri: copying $file into pool $HPC_LIBVIRT_POOL failed"
	fi
	lv "$uri" vol-path --pool "$HPC_LIBVIRT_POOL" "$vol"
}

# libvirt_host_prepare URI: LV_KERNEL[URI], LV_INITRD[URI] = the guest image
# as that host sees it.
libvirt_host_prepare() {
	local uri=$1 why
	why=$(backend_libvirt_probe "$uri") ||
		die 1 "libvirt backend: $why${HPC_SETUP_HINT:+; $HPC_SETUP_HINT}"
	info "$why"
	if libvirt_uri_local "$uri"; then
		LV_KERNEL[$uri]=$IMG_KERNEL LV_INITRD[$uri]=$IMG_INITRD
		return 0
	fi
	libvirt_pool_ensure "$uri"
	LV_KERNEL[$uri]=$(libvirt_upload "$uri" "$IMG_KERNEL" vmlinuz)
	LV_INITRD[$uri]=$(libvirt_upload "$uri" "$IMG_INITRD" initrd)
}

# libvirt_domain_name RUN_ID DIR: a name unique to this run and scenario.
libvirt_domain_name() {
	local n="hpchaos-$1-${2##*/}"
	printf '%s' "${n//[^A-Za-z0-9_-]/-}"
}

# backend_libvirt_prepare DIR SCENARIO_FILE ACCEL RUN_ID SEED SCENARIO_NAME URI
backend_libvirt_prepare() {
	local dir=$1 scn=$2 accel=$3 run_id=$4 seed=$5 name=$6 uri=$7 dom
	local -a argv
	dom=$(libvirt_domain_name "$run_id" "$dir")
	argv=(
		"$HPC_BIN/hpc-libvirt" --uri "$uri" --scenario "$scn" --name "$dom"
		--type "$([[ $accel == kvm ]] && echo kvm || echo qemu)"
		--kernel "${LV_KERNEL[$uri]}" --initrd "${LV_INITRD[$uri]}"
		--append "$(guest_append "$scn" "$run_id" "$seed" "$name")"
	)
	if ! libvirt_uri_local "$uri"; then
		argv+=(--pool "$HPC_LIBVIRT_POOL")
	elif [[ $uri == qemu:///system ]]; then
		# QEMU runs as the runner's user, like the QEMU backend: it reads
		# the cached image and the private run directory without relabelling
		argv+=(--dac-label "+$(id -u):+$(id -g)")
	fi
	printf '%s\0' "${argv[@]}" >"$dir/guest.argv"
	{
		printf '# libvirt %s, transient domain %s (domain.xml once started)\n' "$uri" "$dom"
		printf '%q ' "${argv[@]}"
		printf '\n'
	} >"$dir/cmdline"
}

# Run-wide backend settings (hpchaos run/repro): RUN_BACKEND qemu|libvirt,
# RUN_HOSTS the libvirt URIs, slot k on RUN_HOSTS[k % count].
RUN_BACKEND=qemu
RUN_HOSTS=()

# backend_opt --backend VALUE | --host URI: take one option.
backend_opt() {
	case $1 in
	--backend)
		case $2 in
		qemu) RUN_BACKEND=qemu ;;
		libvirt) RUN_BACKEND=libvirt ;;
		libvirt:*)
			libvirt_uri_check "${2#libvirt:}"
			RUN_BACKEND=libvirt RUN_HOSTS+=("${2#libvirt:}")
			;;
		*) die 2 "--backend: expected qemu, libvirt or libvirt:URI, got '$2'" ;;
		esac
		;;
	--host)
		libvirt_uri_check "$2"
		RUN_BACKEND=libvirt RUN_HOSTS+=("$2")
		;;
	esac
}

# backend_setup: check the backend and copy the image to every host (after
# image_ensure); print what runs where.
backend_setup() {
	local uri
	if [[ $RUN_BACKEND == qemu ]]; then
		[[ ${#RUN_HOSTS[@]} -eq 0 ]] || die 2 "--host needs the libvirt backend"
		return 0
	fi
	[[ ${#RUN_HOSTS[@]} -gt 0 ]] || RUN_HOSTS=("$HPC_LIBVIRT_URI_DEFAULT")
	HPC_SETUP_HINT="'hpchaos doctor --setup-libvirt' (as root) sets up a local libvirtd"
	for uri in "${RUN_HOSTS[@]}"; do
		libvirt_host_prepare "$uri"
	done
	msg "backend libvirt: ${RUN_HOSTS[*]}"
}

# backend_prepare SLOT DIR SCENARIO_FILE ACCEL RUN_ID SEED NAME
backend_prepare() {
	local slot=$1
	shift
	if [[ $RUN_BACKEND == libvirt ]]; then
		backend_libvirt_prepare "$@" "${RUN_HOSTS[slot % ${#RUN_HOSTS[@]}]}"
	else
		backend_qemu_prepare "$@"
	fi
}
