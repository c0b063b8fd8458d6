#!/usr/bin/env bash
# The libvirt backend: libvirtd set up by the project's own script
# (hpchaos doctor --setup-libvirt); the quick group through libvirt with
# the verdicts the QEMU backend gave (10-smoke, same seed); a second
# libvirtd, reached through another URI, as a remote host (the image is
# copied into its pool once, by content hash, and its backing files are
# volumes that go with the run); a killed runner leaves no domain and no
# QEMU.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
set -m # job control: the runner gets its own process group, like at a terminal
plan 25

SYS=qemu:///system
LAB_USER=hpchaos-lab
LAB_RUN=/run/$LAB_USER-$$ # its own: T_TMP is private to root
LAB_POOL=/var/lib/$LAB_USER/pool
LAB="qemu+unix:///session?socket=$LAB_RUN/libvirt/libvirt-sock"

# domains URI: our domains (running or defined) on that daemon.
domains() { virsh -q -c "$1" list --all --name </dev/null 2>/dev/null | grep -c '^hpchaos-' || true; }
# lv_qemus: QEMU processes of our domains (libvirt names them guest=hpchaos-...).
lv_qemus() { pgrep -c -f 'qemu-system.*guest=hpchaos-' || true; }
# quiet: no domain and no QEMU of ours within 10 s.
# shellcheck disable=SC2317 # called from t
quiet() {
	local i
	for ((i = 0; i < 100; i++)); do
		[[ $(domains "$SYS")/$(lv_qemus) == 0/0 ]] && return 0
		sleep 0.1
	done
	return 1
}

# shellcheck disable=SC2317 # the EXIT trap calls it
lab_stop() {
	local pid
	pid=$(cat "$LAB_RUN/libvirt/libvirtd.pid" 2>/dev/null || true)
	[[ -z $pid ]] || kill "$pid" 2>/dev/null || true
	rm -rf "$LAB_RUN"
}
trap 'lab_stop; t_cleanup' EXIT

# ---- set-up, from the project's own script ----
out=$("$T_TOP/runner/hpchaos" doctor --setup-libvirt 2>&1) && rc=0 || rc=$?
diag "$out"
is "$rc" 0 "doctor --setup-libvirt: libvirtd usable"
out=$("$T_TOP/runner/hpchaos" doctor --setup-libvirt 2>&1) || true
like "$out" "*already set up*" "a second --setup-libvirt changes nothing"
q0=$(lv_qemus)
is "$(domains "$SYS")/$q0" 0/0 "no domain and no QEMU of ours before"

# ---- the quick group through libvirt ----
hpc run --backend libvirt --results "$T_RESULTS/quick" --seed 42 -j 2 quick
diag "$T_OUT"
is "$T_RC" 0 "hpchaos run --backend libvirt quick exits 0"
run=$(readlink -f "$T_RESULTS/quick/latest")
got=$(verdict_table "$run")
if [[ -n $T_STATE && -s $T_STATE/quick-seed42.qemu ]]; then
	is "$got" "$(cat "$T_STATE/quick-seed42.qemu")" "same verdicts as the QEMU backend (10-smoke, seed 42)"
else
	bad=$(while read -r name v _; do
		if grep -qE '^expect +.*reset' "$run"/*-"$name/$name.scn"; then
			[[ $v == RESET ]] || echo "$name=$v"
		else
			[[ $v == PASS ]] || echo "$name=$v"
		fi
	done <<<"$got")
	is "$bad" "" "every quick scenario PASS, or RESET where it expects a reset (no QEMU-backend table to compare)"
fi
is "$(wc -l <<<"$got")" "$("$T_TOP/runner/hpchaos" list quick | wc -l)" "one result per quick scenario"
is "$(json "$run/run.json" .backend)" libvirt "run.json names the backend"
d=$(echo "$run"/*-devdax-unbind)
t "devdax-unbind: the nvdimm is a libvirt <memory model='nvdimm'>" grep -q "<memory model='nvdimm'" "$d/domain.xml"
d=$(echo "$run"/*-cxl-devdax-unplug)
t "cxl-devdax-unplug: CXL goes through <qemu:commandline>" grep -q "cxl-type3,id=cxl0" "$d/domain.xml"
d=$(echo "$run"/*-dimm-hotplug)
t "dimm-hotplug: DEVICE_DELETED of dimm1 (libvirt alias ua-dimm1 mapped back)" \
	grep -q '"DEVICE_DELETED","data":{"device":"dimm1"' "$d/timeline.jsonl"
t "every domain was transient and is gone" quiet

# ---- a second libvirtd as a remote host ----
id "$LAB_USER" >/dev/null 2>&1 ||
	useradd -r -m -d "/var/lib/$LAB_USER" -s /usr/sbin/nologin "$LAB_USER"
install -d -o "$LAB_USER" -m 0700 "$LAB_RUN"
runuser -u "$LAB_USER" -- env HOME="/var/lib/$LAB_USER" XDG_RUNTIME_DIR="$LAB_RUN" libvirtd -d || true
for _ in $(seq 100); do [[ -S $LAB_RUN/libvirt/libvirt-sock ]] && break; sleep 0.1; done
t "a second libvirtd (session daemon of $LAB_USER) answers at $LAB" \
	virsh -q -c "$LAB" version </dev/null
# the pool is the host's; start from none, as on a new lab machine
virsh -q -c "$LAB" pool-destroy hpchaos </dev/null >/dev/null 2>&1 || true
virsh -q -c "$LAB" pool-undefine hpchaos </dev/null >/dev/null 2>&1 || true
rm -rf "$LAB_POOL"
HPC_LIBVIRT_POOL_DIR=$LAB_POOL hpc run --host "$SYS" --host "$LAB" -j 2 --seed 5 \
	--results "$T_RESULTS/hosts" devdax-unbind boot-idle
diag "$T_OUT"
is "$T_RC" 0 "two hosts: the run exits 0"
run=$(readlink -f "$T_RESULTS/hosts/latest")
is "$(verdict_table "$run" | awk '{print $1, $2}' | paste -sd' ')" "boot-idle PASS devdax-unbind RESET" \
	"two hosts: boot-idle PASS, devdax-unbind RESET"
is "$(cat "$run"/*/cmdline | grep -o '^# libvirt [^ ]*' | sort -u | wc -l)" 2 "one scenario ran on each host"
like "$T_OUT" "*copying vmlinuz*copying initrd*" "the image was copied to the remote host"
vols=$(virsh -q -c "$LAB" vol-list hpchaos </dev/null | awk '{print $1}' |
	sed -n 's/^hpchaos-[0-9a-f]\{16\}-//p' | sort | paste -sd' ')
is "$vols" "initrd initrd.ok vmlinuz vmlinuz.ok" \
	"the remote pool holds the image by content hash, and no run's backing file"
HPC_LIBVIRT_POOL_DIR=$LAB_POOL hpc run --host "$LAB" --seed 5 --results "$T_RESULTS/hosts" boot-idle
is "$T_RC" 0 "a second run on the remote host passes"
unlike=$([[ $T_OUT == *copying* ]] && echo copied || echo "not copied")
is "$unlike" "not copied" "... without copying the image again"
is "$(domains "$LAB")" 0 "no domain left on the remote host"

# ---- a killed runner leaves nothing ----
for sig in KILL INT; do
	"${AS_AT_TERMINAL[@]}" "$T_TOP/runner/hpchaos" run --backend libvirt --results "$T_RESULTS/kill-$sig" \
		mirror-workload dimm-hotplug >"$T_TMP/out" 2>&1 &
	pid=$!
	for _ in $(seq 300); do [[ $(domains "$SYS") -gt 0 ]] && break; sleep 0.1; done
	sleep 3
	up=$(domains "$SYS")
	if [[ $sig == KILL ]]; then
		kill -KILL "$pid" 2>/dev/null || true
	else
		kill -INT -- "-$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
	is "$up" 1 "SIG$sig: a domain was running when the runner got the signal"
	t "SIG$sig: no domain (virsh list --all) and no QEMU left" quiet
done
is "$(lv_qemus)" "$q0" "no QEMU of ours left at the end"
sanitizer_check
done_testing
