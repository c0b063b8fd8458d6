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
HPC_LIBVIRT_POOL_DIR=${HPC_LIBVIRT_POOL_DIR:-}  # default: /var/lib/libvirt/images/hpchaos (system)
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
	local re='^qemu(\+[a-z]+)?://[][A-Za-z0-9_.@:-]*/(system|session)(\?[A-Za-z0-9_./=&%-]*)?$'
	[[ $1 =~ $re ]] ||
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
		local dir=$HPC_LIBVIRT_POOL_DIR
		if [[ -z $dir && $uri == */system* ]]; then
			dir=/var/lib/libvirt/images/hpchaos
		elif [[ -z $dir ]]; then
			die 1 "$uri: no storage pool $HPC_LIBVIRT_POOL there; a session daemon needs a directory it may write: set HPC_LIBVIRT_POOL_DIR, or define a dir pool named $HPC_LIBVIRT_POOL on that host"
		fi
		msg "$uri: defining storage pool $HPC_LIBVIRT_POOL at $dir"
		lv "$uri" pool-define-as "$HPC_LIBVIRT_POOL" dir --target "$dir" >/dev/null ||
			die 1 "$uri: cannot define storage pool $HPC_LIBVIRT_POOL"
		lv "$uri" pool-build "$HPC_LIBVIRT_POOL" >/dev/null 2>&1 || true
	fi
	if ! grep -q '^State: *running' <<<"$(lv "$uri" pool-info "$HPC_LIBVIRT_POOL" 2>/dev/null)"; then
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
		if ! lv "$uri" vol-create-as "$HPC_LIBVIRT_POOL" "$vol" "$size" --format raw >/dev/null ||
			! lv "$uri" vol-upload --pool "$HPC_LIBVIRT_POOL" "$vol" "$file" ||
			! lv "$uri" vol-create-as "$HPC_LIBVIRT_POOL" "$vol.ok" 0 --format raw >/dev/null; then
			die 1 "$uri: copying $file into pool $HPC_LIBVIRT_POOL failed"
		fi
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
	local dir=$1 scn=$2 accel=$3 run_id=$4 seed=$5 name=$6 uri=$7 dom tsc=''
	local -a argv
	dom=$(libvirt_domain_name "$run_id" "$dir")
	# the TSC rate of this host: only for a guest that runs here
	! libvirt_uri_local "$uri" || tsc=$(guest_tsc_khz "$accel")
	argv=(
		"$HPC_BIN/hpc-libvirt" --uri "$uri" --scenario "$scn" --name "$dom"
		--type "$([[ $accel == kvm ]] && echo kvm || echo qemu)"
		--kernel "${LV_KERNEL[$uri]}" --initrd "${LV_INITRD[$uri]}"
		--append "$(guest_append "$scn" "$run_id" "$seed" "$name" "$tsc")"
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
		qemu_select "$HPC_QEMU_SEL"
		msg "QEMU: $(qemu_describe)"
		return 0
	fi
	# a libvirt host starts the QEMU its libvirtd knows; what it can do is
	# not probed here: scenarios that require a QMP command are SKIP
	[[ $HPC_QEMU_SEL == system ]] ||
		die 2 "--qemu current works with --backend qemu only: a libvirt host runs its own QEMU (docs/backends.md)"
	# shellcheck disable=SC2034 # read by runner/lib/slots.sh
	HPC_QEMU_COMMANDS=''
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

# ---- a host lost during the run (docs/backends.md, "When a host is lost") ----

# LV_LOST[URI]: that host stopped answering during this run. Its slots take
# no more runs: the runs not started yet go to the other hosts, or, when no
# host is left, are not started (NOTRUN in the report).
declare -gA LV_LOST=()
HPC_LIBVIRT_PROBE_S=${HPC_LIBVIRT_PROBE_S:-30} # the wait for a host's answer

# backend_slot_ok SLOT: false when SLOT's libvirt host is lost.
backend_slot_ok() {
	[[ $RUN_BACKEND == libvirt && ${#RUN_HOSTS[@]} -gt 0 ]] || return 0
	[[ -z ${LV_LOST[${RUN_HOSTS[$1 % ${#RUN_HOSTS[@]}]}]:-} ]]
}

# backend_host_check SLOT: the run on SLOT ended ERROR. When its libvirt host
# does not answer (virsh version, within HPC_LIBVIRT_PROBE_S seconds) it is
# lost: say why, and start nothing there any more.
backend_host_check() {
	local uri out why left=0 h s=$HPC_LIBVIRT_PROBE_S
	[[ $RUN_BACKEND == libvirt && ${#RUN_HOSTS[@]} -gt 0 ]] || return 0
	uri=${RUN_HOSTS[$1 % ${#RUN_HOSTS[@]}]}
	[[ -z ${LV_LOST[$uri]:-} ]] || return 0
	[[ $s =~ ^[1-9][0-9]{0,3}$ ]] || s=30
	out=$(timeout -k 5 "$s" virsh -q -c "$uri" version </dev/null 2>&1) && return 0
	why=$(printf '%s\n' "$out" | grep -v '^$' | tail -n 1 || true)
	LV_LOST[$uri]=1
	for h in "${RUN_HOSTS[@]}"; do
		[[ -n ${LV_LOST[$h]:-} ]] || left=$((left + 1))
	done
	msg "libvirt host ${uri%%\?*} is lost (${why:-no answer within $s s}): no more runs start there"
	((left > 0)) || msg "no libvirt host is left: the runs not started yet are left out (NOTRUN)"
}

# ---- hpchaos doctor --setup-libvirt ----

LV_CHANGED=0

lv_changed() {
	msg "changed: $1"
	LV_CHANGED=$((LV_CHANGED + 1))
}

# lv_wait_socket PATH: wait up to 10 s for a daemon's socket.
lv_wait_socket() {
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -S $1 ]] && return 0
		sleep 0.1
	done
	return 1
}

# libvirt_setup_ids: the user and groups Debian's libvirt-daemon-system
# makes (QEMU runs as libvirt-qemu:kvm), and /dev/kvm as udev would leave it.
libvirt_setup_ids() {
	if ! getent group kvm >/dev/null; then
		groupadd -r kvm && lv_changed "added system group kvm"
	fi
	if ! getent group libvirt-qemu >/dev/null; then
		groupadd -r libvirt-qemu && lv_changed "added system group libvirt-qemu"
	fi
	if ! id libvirt-qemu >/dev/null 2>&1; then
		useradd -r -g libvirt-qemu -G kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu &&
			lv_changed "added system user libvirt-qemu (groups libvirt-qemu, kvm)"
	fi
	# Without udev /dev/kvm stays root:root 0600. libvirt probes QEMU as
	# root (KVM there) but checks KVM as libvirt-qemu (no KVM), finds its
	# capability cache stale and probes QEMU again, about a minute, at
	# every domain start. TCG guests are unaffected by the change.
	if [[ -c /dev/kvm && $(stat -c '%G %a' /dev/kvm) != "kvm 660" ]]; then
		chgrp kvm /dev/kvm && chmod 0660 /dev/kvm &&
			lv_changed "/dev/kvm: group kvm, mode 0660 (as Debian's udev rule sets it; libvirt re-probes QEMU at every start otherwise)"
	fi
}

# libvirt_setup_daemons: virtlogd and libvirtd running (no systemd here:
# started as daemons; with systemd: through it).
libvirt_setup_daemons() {
	if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null &&
		systemctl is-system-running >/dev/null 2>&1; then
		if ! systemctl is-active -q libvirtd; then
			systemctl start virtlogd libvirtd && lv_changed "started virtlogd and libvirtd (systemctl)"
		fi
		return 0
	fi
	if ! pgrep -x virtlogd >/dev/null; then
		if ! virtlogd -d || ! lv_wait_socket /run/libvirt/virtlogd-sock; then
			die 1 "virtlogd did not start"
		fi
		lv_changed "started virtlogd -d (no systemd)"
	fi
	if ! pgrep -x libvirtd >/dev/null; then
		if ! libvirtd -d || ! lv_wait_socket /run/libvirt/libvirt-sock; then
			die 1 "libvirtd did not start"
		fi
		lv_changed "started libvirtd -d (no systemd)"
	fi
}

# libvirt_setup: make this machine's qemu:///system usable; say what changed.
libvirt_setup() {
	local why
	if [[ $(id -u) -ne 0 ]]; then
		msg "setting up libvirt needs root: run 'sudo $0 doctor --setup-libvirt'"
		return 1
	fi
	deps_ensure libvirt || return 1
	libvirt_setup_ids
	libvirt_setup_daemons
	why=$(backend_libvirt_probe "$HPC_LIBVIRT_URI_DEFAULT") || die 1 "libvirt still unusable: $why"
	if ((LV_CHANGED == 0)); then
		msg "libvirt was already set up: $why"
	else
		msg "libvirt is set up ($LV_CHANGED changes): $why"
	fi
}

# backend_json: run.json members naming the backend and hosts, a JSON object.
backend_json() {
	jq -n -c --arg b "$RUN_BACKEND" --arg q "$(qemu_describe)" --arg sel "$HPC_QEMU_SEL" \
		'{backend: $b} + if $b == "libvirt" then {hosts: $ARGS.positional} else {qemu: {select: $sel, version: $q}} end' \
		--args ${RUN_HOSTS[@]+"${RUN_HOSTS[@]}"}
}
