# shellcheck shell=bash
# The QEMU backend: how a guest is started. A backend implements:
#
#   backend_<name>_probe            print a one-line description; non-zero if unusable
#   backend_<name>_prepare DIR SCN  write DIR/guest.argv (NUL-separated argv of the
#                                   guest process the conductor spawns; the process
#                                   must connect to DIR/{console,agent,qmp}.sock and
#                                   die when killed) and DIR/cmdline (for humans)
#
# The conductor owns the guest process: it spawns it in DIR, kills and reaps
# it. Nothing here starts a process that outlives the call.

HPC_QEMU=${HPC_QEMU:-qemu-system-x86_64}

# accel_pick auto|tcg|kvm: print the accelerator to use.
accel_pick() {
	local want=${1:-auto}
	case $want in
	tcg) echo tcg ;;
	kvm)
		kvm_usable || die 2 "--accel kvm: $(kvm_why_not)"
		echo kvm
		;;
	auto)
		if kvm_usable; then echo kvm; else echo tcg; fi
		;;
	*) die 2 "unknown accelerator '$want' (expected auto, tcg or kvm)" ;;
	esac
}

kvm_why_not() {
	if [[ ! -e /dev/kvm ]]; then
		echo "/dev/kvm does not exist"
	elif [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then
		echo "/dev/kvm is not readable and writable by $(id -un)"
	elif ! grep -qwE 'vmx|svm' /proc/cpuinfo; then
		echo "/dev/kvm exists but the CPU exposes no vmx/svm (nested virtualisation off); KVM guests hang here"
	else
		echo "usable"
	fi
}

kvm_usable() { [[ $(kvm_why_not) == usable ]]; }

backend_qemu_probe() {
	local v
	command -v "$HPC_QEMU" >/dev/null || {
		echo "$HPC_QEMU not found"
		return 1
	}
	v=$("$HPC_QEMU" --version | head -n 1)
	echo "$v"
}

# guest_tsc_khz ACCEL: " tsc_early_khz=N" for a TCG guest on an x86-64
# host, else nothing. Under TCG the guest's TSC counts at the host's rate;
# the guest calibrates it against the emulated PIT/HPET in a few ms of early
# boot, and on a loaded host a vCPU preempted in that window gets it wrong
# (measured 2026-12-03, chaos:6.12 at load 7: "PIT calibration deviates
# from HPET: 196391 2596173", 196 MHz taken for 2596 MHz; the guest's clock
# ran 13 times fast and the RCU stall detector reported a stall in early
# boot, a false HANG; 1 boot of 46 that day). hpc-tsc-khz measures the
# host's TSC once per host boot (kept in the cache).
guest_tsc_khz() {
	local accel=$1 boot f khz
	[[ $accel == tcg && $(uname -m) == x86_64 ]] || return 0
	boot=$(tr -dc 'a-f0-9-' </proc/sys/kernel/random/boot_id)
	f=$HPC_CACHE/tsc-khz.$boot
	if [[ ! -s $f ]]; then
		khz=$("$HPC_BIN/hpc-tsc-khz") || return 0
		mkdir -p "$HPC_CACHE"
		printf '%s\n' "$khz" >"$f.$$" && mv -f "$f.$$" "$f"
	fi
	khz=$(<"$f")
	[[ $khz =~ ^[1-9][0-9]{3,7}$ ]] && printf ' tsc_early_khz=%s' "$khz"
	return 0
}

# guest_append SCENARIO_FILE RUN_ID SEED SCENARIO_NAME [TSC]: the guest kernel's
# command line (both backends); TSC: what guest_tsc_khz gave.
# On machine type pc, acpi=noirq: QEMU's i440fx DSDT builds _PRT with an AML
# While loop of 128 rounds, which Linux evaluates for every PCI device it
# enables. The chaos kernel (KASAN + lockdep) under TCG spent 30.2 s in
# virtio_pci_driver_init there, ending in ACPICA's 30 s loop timeout, and
# reached /init after 45 s; with acpi=noirq: under 0.5 s, /init at 11-21 s
# (initcall_debug, 2026-12-02; the stock kernel took 0.2 s without it).
# INTx then routes through the $PIR table; virtio uses MSI-X; ACPI hotplug
# (GPE) is not IRQ routing and works as before.
# memhp_default_state=offline on every guest: hot-added memory stays offline
# until a scenario onlines it into the zone it asks for. Debian's 6.12
# (MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO) would online it at once, mostly into
# ZONE_NORMAL, where dimm-hotplug's online_movable fails (already online) and
# the offline under load does not succeed; Debian's 6.1 leaves it offline.
# no_timer_check: the early check that the IO-APIC timer ticks gives up on
# a vCPU the host starves for a moment and panics ("IO-APIC + timer doesn't
# work!", seen with a stock q35 guest beside a dozen busy processes).
guest_append() {
	local scn=$1 run_id=$2 seed=$3 name=$4 tsc=${5:-} extra base p
	extra=$("$HPC_BIN/hpc-scenario" field "$scn" cmdline)
	base="console=ttyS0,115200 panic=-1 oops=panic loglevel=7 memhp_default_state=offline no_timer_check hpc.run=$run_id hpc.seed=$seed hpc.scenario=$name"
	[[ $("$HPC_BIN/hpc-scenario" field "$scn" machine) != pc ]] || base+=" acpi=noirq"
	base+=$tsc
	base+=$(keep_append)
	for p in ${HPC_KMOD_PARAMS:-}; do
		base+=" hpchaos.$p"
	done
	printf '%s' "$base${extra:+ $extra}"
}

# backend_qemu_prepare DIR SCENARIO_FILE ACCEL RUN_ID SEED SCENARIO_NAME
backend_qemu_prepare() {
	local dir=$1 scn=$2 accel=$3 run_id=$4 seed=$5 name=$6
	local -a argv machine
	mapfile -d '' machine < <("$HPC_BIN/hpc-scenario" qemu-args "$scn")
	keep_qemu_args
	qemu_argv_prefix "$dir"
	# shellcheck disable=SC2054 # commas belong to QEMU option strings
	argv=(
		"${QEMU_PREFIX[@]}"
		-name "hpchaos-$name,debug-threads=on"
		-accel "$accel"
		-nodefaults -no-user-config -display none -no-reboot
		-kernel "$IMG_KERNEL" -initrd "$IMG_INITRD"
		-append "$(guest_append "$scn" "$run_id" "$seed" "$name" "$(guest_tsc_khz "$accel")")"
		-chardev socket,id=con,path=console.sock -serial chardev:con
		-device virtio-serial-pci,id=vser0
		-chardev socket,id=agent,path=agent.sock
		-device virtserialport,bus=vser0.0,chardev=agent,name=org.hpchaos.agent
		-chardev socket,id=qmp,path=qmp.sock -mon chardev=qmp,mode=control
		"${machine[@]}"
		${KEEP_ARGV[@]+"${KEEP_ARGV[@]}"}
	)
	printf '%s\0' "${argv[@]}" >"$dir/guest.argv"
	printf '%q ' "${argv[@]}" >"$dir/cmdline"
	printf '\n' >>"$dir/cmdline"
}
