#!/usr/bin/env bash
# A libvirt host reached through qemu+ssh:// (docs/backends.md, "Remote
# hosts and several hosts"), as vendors reach their lab machines: an
# OpenSSH server of the test's own on 127.0.0.1 (a free port, host and
# client keys made here, public key only) in front of a second libvirtd
# (the session daemon of the system user hpchaos-lab, as in 48-libvirt.t),
# reached as qemu+ssh://root@127.0.0.1:PORT/session?socket=...&keyfile=...
#
#  - a run spread over this machine's qemu:///system and the ssh host: every
#    scenario has its verdict, the ssh host ran some (its daemon's QEMU log);
#  - the ssh host's libvirtd killed (SIGKILL) while its guest boots: that
#    scenario is ERROR naming the lost host, the runner starts nothing more
#    there (the run left goes to the other host), the run exits 1; the
#    daemon, started again, leaves no domain and no QEMU of the run;
#  - the ssh server killed (listener and sessions) under a running guest:
#    the same ERROR, and the far daemon destroys the domain at once.
# No process of the test (sshd, libvirtd, runner, ssh, nc, QEMU) outlives it.
# About 2.5 minutes under TCG: run by make check-long, not make check.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/../lib.sh"

for need in /usr/sbin/sshd ssh ssh-keygen nc libvirtd virsh setpriv; do
	if ! command -v "$need" >/dev/null || [[ $(id -u) -ne 0 ]]; then
		echo "1..0 # SKIP needs root and $need (make deps-check installs openssh-server, netcat-openbsd, libvirt)"
		exit 0
	fi
done
plan 30

SYS=qemu:///system
LAB_USER=hpchaos-lab
LAB_HOME=/var/lib/$LAB_USER
LAB_RUN=/run/$LAB_USER-ssh-$$ # its own: T_TMP is private to root
LAB_SOCK=$LAB_RUN/libvirt/libvirt-sock
LAB="qemu+unix:///session?socket=$LAB_SOCK" # the same daemon, not through ssh
S=$T_TMP/ssh                                 # keys, configs and logs (T_TMP is 0700)
SSHD_PID='' LAB_PID='' RUNNER_PID='' SSH_PORT='' SSH_URI='' MADE_PRIVSEP=''
export HPC_LIBVIRT_POOL_DIR=$LAB_HOME/pool HPC_TIMINGS=$T_TMP/timings

# ---- processes of the test, stopped on every way out ----

# descendants PID: every process below PID.
descendants() {
	local p
	for p in $(pgrep -P "$1" || true); do
		echo "$p"
		descendants "$p"
	done
}

# sshd_stop [SIG]: the ssh server, listener and sessions (their commands,
# nc, end with them).
sshd_stop() {
	local sig=${1:-TERM} p
	local -a pids
	[[ -n $SSHD_PID ]] || return 0
	mapfile -t pids < <(descendants "$SSHD_PID")
	# (stderr: no "Killed" notice of the shell about its job)
	{
		for p in "$SSHD_PID" ${pids[@]+"${pids[@]}"}; do
			[[ $(ps -o comm= -p "$p" || true) != sshd ]] || kill -"$sig" "$p" || true
		done
		wait "$SSHD_PID" || true
	} 2>/dev/null
	SSHD_PID=''
}

# lab_stop: the lab daemon, its log daemon, and a QEMU it left (a daemon
# killed under a running guest leaves its QEMU behind).
# shellcheck disable=SC2317 # teardown calls it
lab_stop() {
	local f p
	if [[ -n $LAB_PID ]]; then
		for p in $(virsh -q -c "$LAB" list --name </dev/null 2>/dev/null | grep '^hpchaos-' || true); do
			virsh -q -c "$LAB" destroy "$p" </dev/null >/dev/null 2>&1 || true
		done
		kill "$LAB_PID" 2>/dev/null || true
		wait "$LAB_PID" 2>/dev/null || true
		LAB_PID=''
	fi
	for f in "$LAB_RUN"/libvirt/qemu/run/*.pid "$LAB_RUN"/libvirt/virtlogd.pid; do
		p=$(cat "$f" 2>/dev/null || true)
		if [[ $p =~ ^[0-9]+$ ]]; then kill "$p" 2>/dev/null || true; fi
	done
}

# runner_stop: a runner still going stops as at Ctrl-C, then for good.
runner_stop() {
	local i
	[[ -n $RUNNER_PID ]] || return 0
	kill -INT "$RUNNER_PID" 2>/dev/null || true
	for ((i = 0; i < 300; i++)); do
		kill -0 "$RUNNER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$RUNNER_PID" 2>/dev/null || true
	wait "$RUNNER_PID" 2>/dev/null || true
	RUNNER_PID=''
}

# shellcheck disable=SC2317 # the traps call it
teardown() {
	trap '' INT TERM HUP
	runner_stop
	sshd_stop
	lab_stop
	rm -rf "$LAB_RUN"
	[[ -z $MADE_PRIVSEP ]] || rmdir /run/sshd 2>/dev/null || true
}
trap 'teardown; t_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---- set-up ----

# ssh_files: host and client keys, sshd_config, and the client side: a
# known_hosts with the host key and an ssh that reads only its own config
# (the URI's command=), so that nothing of root's ~/.ssh is read or written.
ssh_files() {
	install -d -m 0700 "$S"
	ssh-keygen -q -t ed25519 -N '' -C hpchaos-test-host -f "$S/host_key"
	ssh-keygen -q -t ed25519 -N '' -C hpchaos-test-client -f "$S/client_key"
	cp "$S/client_key.pub" "$S/authorized_keys"
	cat >"$S/ssh_config" <<-EOF
		Host *
		  UserKnownHostsFile $S/known_hosts
		  GlobalKnownHostsFile /dev/null
		  StrictHostKeyChecking yes
		  BatchMode yes
		  IdentitiesOnly yes
		  ConnectTimeout 10
	EOF
	printf '#!/bin/sh\nexec ssh -F %q "$@"\n' "$S/ssh_config" >"$S/ssh"
	chmod 0700 "$S/ssh"
}

# sshd_config PORT: on 127.0.0.1 only, root by the test's key only.
sshd_config() {
	cat >"$S/sshd_config" <<-EOF
		ListenAddress 127.0.0.1
		Port $1
		HostKey $S/host_key
		PidFile $S/sshd.pid
		AuthorizedKeysFile $S/authorized_keys
		AuthenticationMethods publickey
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PermitRootLogin prohibit-password
		AllowUsers root
		UsePAM no
		# the keys sit under TMPDIR (/tmp is world-writable), in a 0700 directory
		StrictModes no
		UseDNS no
		PermitTTY no
		X11Forwarding no
		AllowTcpForwarding no
		AllowAgentForwarding no
		PrintMotd no
		LogLevel VERBOSE
	EOF
	echo "[127.0.0.1]:$1 $(cut -d' ' -f1,2 "$S/host_key.pub")" >"$S/known_hosts"
}

# sshd_start: sshd -D under the test on a free port (another try on a
# port taken meanwhile): SSH_PORT, SSHD_PID.
sshd_start() {
	local try i
	[[ -d /run/sshd ]] || { mkdir -m 0755 /run/sshd && MADE_PRIVSEP=1; }
	for ((try = 0; try < 20; try++)); do
		SSH_PORT=$((20000 + SRANDOM % 40000))
		sshd_config "$SSH_PORT"
		/usr/sbin/sshd -D -e -f "$S/sshd_config" >"$S/sshd.log" 2>&1 &
		SSHD_PID=$!
		for ((i = 0; i < 100; i++)); do
			grep -q "^Server listening on 127.0.0.1 port $SSH_PORT\." "$S/sshd.log" && return 0 # lines end in CR LF
			kill -0 "$SSHD_PID" 2>/dev/null || break
			sleep 0.1
		done
		sshd_stop
	done
	return 1
}

# lab_start: the lab daemon, a child of the test (setpriv execs it).
# shellcheck disable=SC2317 # called through t
lab_start() {
	local i
	id "$LAB_USER" >/dev/null 2>&1 ||
		useradd -r -m -d "$LAB_HOME" -s /usr/sbin/nologin "$LAB_USER"
	install -d -o "$LAB_USER" -m 0700 "$LAB_RUN"
	setpriv --reuid="$LAB_USER" --regid="$LAB_USER" --init-groups \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$LAB_HOME" XDG_RUNTIME_DIR="$LAB_RUN" \
		libvirtd >>"$S/libvirtd.log" 2>&1 &
	LAB_PID=$!
	for ((i = 0; i < 300; i++)); do
		virsh -q -c "$LAB" version </dev/null >/dev/null 2>&1 && return 0
		kill -0 "$LAB_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# ---- what a run leaves ----

# domains URI RUN_ID: that run's domains on that daemon (running or defined).
domains() { virsh -q -c "$1" list --all --name </dev/null 2>/dev/null | grep -c "^hpchaos-$2-" || true; }
# qemus RUN_ID: that run's QEMU processes, under either daemon.
qemus() { pgrep -c -f "qemu-system.*guest=hpchaos-$1-" || true; }

# leftovers: processes of the runner side still there: conductors and
# hpc-libvirt (their cwd is under T_TMP), ssh clients of the test's config,
# nc to the lab daemon's socket (the far side of ssh).
leftovers() {
	local pid cwd
	for pid in $(pgrep -f -- "ssh -F $S/ssh_config|nc .*-U $LAB_SOCK" || true); do
		ps -o pid=,args= -p "$pid" | cut -c1-200 || true
	done
	for pid in $(pgrep -x hpc-conductor || true) $(pgrep -x hpc-libvirt || true); do
		cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null || true)
		[[ $cwd != "$T_TMP"/* ]] || ps -o pid=,args= -p "$pid" | cut -c1-200 || true
	done
}

# none_left RUN_ID: no domain on either daemon, no process of the run.
# shellcheck disable=SC2317 # called through eventually
none_left() {
	[[ $(domains "$SYS" "$1")/$(domains "$LAB" "$1")/$(qemus "$1") == 0/0/0 && -z $(leftovers) ]]
}

# eventually SECONDS CMD...: CMD succeeds within SECONDS.
eventually() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < end)) || return 1
		sleep 0.2
	done
}

# check_none_left RUN_ID WHAT: the assertion, with what is left when not.
check_none_left() {
	if eventually 30 none_left "$1"; then
		ok 0 "$2"
	else
		ok 1 "$2"
		diag "domains: $SYS $(domains "$SYS" "$1"), lab $(domains "$LAB" "$1"); QEMU: $(qemus "$1")" "$(leftovers)" >&2
	fi
}

# ssh_entry RUN_DIR: the result directory of a scenario on the ssh host.
ssh_entry() {
	local c
	for c in "$1"/*/cmdline; do
		grep -q '^# libvirt qemu+ssh:' "$c" 2>/dev/null && dirname "$c" && return 0
	done
	return 1
}

# ---- a run that loses the ssh host ----

# await_ssh RESULTS console|hello: ENTRY = the scenario on the ssh host,
# once its console printed (or its agent said HELLO); false after 240 s.
await_ssh() {
	local end=$((SECONDS + 240)) run
	ENTRY=''
	while ((SECONDS < end)) && kill -0 "$RUNNER_PID" 2>/dev/null; do
		run=$(readlink -f "$1/latest" 2>/dev/null || true)
		if [[ -n $run ]] && ENTRY=$(ssh_entry "$run"); then
			[[ $2 == console && -s $ENTRY/console.log ]] && return 0
			[[ $2 == hello ]] && grep -q '"type":"HELLO"' "$ENTRY/timeline.jsonl" 2>/dev/null && return 0
		fi
		sleep 0.2
	done
	return 1
}

# shellcheck disable=SC2317 # called by name from lost_run
kill_lab() {
	{
		kill -KILL "$LAB_PID" || true
		wait "$LAB_PID" || true
	} 2>/dev/null
	LAB_PID=''
}
# shellcheck disable=SC2317 # called by name from lost_run
kill_sshd() { sshd_stop KILL; }

# timings_set NAME=MS...: the start order of the next run (longest first).
timings_set() {
	local kv
	{
		printf '# hpchaos timings\n'
		for kv in "$@"; do
			printf '%s\t%s\t%s\t%s\n' "${kv%=*}" "$TKEY" "$TACCEL" "${kv#*=}"
		done
	} >"$HPC_TIMINGS"
}

# lost_run NAME WHEN KILL SCENARIO...: a run over both hosts, in the
# background; when its scenario on the ssh host reaches WHEN (await_ssh),
# the function KILL takes that host away. T_RC (or "hung" after 300 s),
# T_OUT, RUN, RID, LOST (the ssh host's scenario), TRIGGERED.
lost_run() {
	local name=$1 when=$2 kill=$3 end
	shift 3
	"${AS_AT_TERMINAL[@]}" "$T_TOP/runner/hpchaos" run --host "$SYS" --host "$SSH_URI" -j 2 --seed 5 \
		--results "$T_RESULTS/$name" "$@" >"$T_TMP/$name.out" 2>&1 &
	RUNNER_PID=$!
	TRIGGERED=no
	! await_ssh "$T_RESULTS/$name" "$when" || TRIGGERED=yes
	LOST=$ENTRY
	"$kill"
	end=$((SECONDS + 300))
	while kill -0 "$RUNNER_PID" 2>/dev/null && ((SECONDS < end)); do
		sleep 0.5
	done
	if kill -0 "$RUNNER_PID" 2>/dev/null; then
		runner_stop
		T_RC=hung
	else
		T_RC=0
		wait "$RUNNER_PID" || T_RC=$?
		RUNNER_PID=''
	fi
	T_OUT=$(cat "$T_TMP/$name.out")
	diag "$T_OUT"
	RUN=$(readlink -f "$T_RESULTS/$name/latest" || true)
	RID=${RUN##*/}
}

# verdict_of DIR: "VERDICT REASON" of one scenario's result.
verdict_of() { json "$1/verdict.json" '"\(.verdict) \(.reason)"' 2>/dev/null || echo "no verdict"; }
# host_of NAME: the libvirt URI a scenario of RUN ran on.
host_of() { sed -n 's/^# libvirt \([^ ]*\), .*/\1/p' "$RUN"/*-"$1"/cmdline 2>/dev/null || true; }

# ---- set-up: this machine's libvirtd, the lab daemon, sshd in front of it ----
T0=$SECONDS
out=$("$T_TOP/runner/hpchaos" doctor --setup-libvirt 2>&1) && rc=0 || rc=$?
is "$rc" 0 "doctor --setup-libvirt: this machine's libvirtd usable"
q0=$(pgrep -c -f 'qemu-system.*guest=hpchaos-' || true)
ssh_files
rc=0
sshd_start || rc=$?
is "$rc/$(grep -c '^Server listening' "$S/sshd.log" || true)" 0/1 \
	"sshd -D under the test, its own config and keys, listening on 127.0.0.1 port $SSH_PORT only"
if [[ $rc != 0 ]]; then
	diag "$(cat "$S/sshd.log")"
	echo "Bail out! no sshd"
	exit 1
fi
t "the lab daemon (session daemon of $LAB_USER) answers at $LAB" lab_start
SSH_HOST=qemu+ssh://root@127.0.0.1:$SSH_PORT/session
SSH_URI="$SSH_HOST?socket=$LAB_SOCK&keyfile=$S/client_key&command=$S/ssh&no_tty=1"
diag "ssh host: $SSH_URI"
out=$(ssh -F "$S/ssh_config" -p "$SSH_PORT" -o PubkeyAuthentication=no root@127.0.0.1 true 2>&1) || true
like "$out" "*Permission denied (publickey)*" "sshd offers no password or keyboard-interactive login, only the key"
# a pool defined on the lab daemon directly is seen through ssh
virsh -q -c "$LAB" pool-define-as "ssh-t-$$" dir --target "$LAB_HOME/ssh-t-$$" </dev/null >/dev/null || true
out=$(virsh -q -c "$SSH_URI" pool-list --all --name </dev/null 2>&1) || true
virsh -q -c "$LAB" pool-undefine "ssh-t-$$" </dev/null >/dev/null || true
like "$out" "*ssh-t-$$*" "socket= and keyfile=: ssh, then nc -U on the far side, reach the lab daemon"
like "$(cat "$S/sshd.log")" "*Accepted publickey for root from 127.0.0.1 port *" "sshd: root logged in with the test's client key"
out=$(virsh -q -c "qemu+ssh://root@127.0.0.1:$SSH_PORT/system?keyfile=$S/client_key&command=$S/ssh&no_tty=1" \
	version </dev/null 2>&1) || true
like "$out" "*Running hypervisor: QEMU*" "qemu+ssh://.../system without socket=: virt-ssh-helper on the far side reaches its qemu:///system"

# ---- a run over both hosts ----
# the pool is the lab's; start from none, as on a new lab machine
virsh -q -c "$LAB" pool-destroy hpchaos </dev/null >/dev/null 2>&1 || true
virsh -q -c "$LAB" pool-undefine hpchaos </dev/null >/dev/null 2>&1 || true
rm -rf "$HPC_LIBVIRT_POOL_DIR"
hpc run --host "$SYS" --host "$SSH_URI" -j 2 --seed 5 --results "$T_RESULTS/hosts" boot-idle dimm-hotplug devdax-unbind
diag "$T_OUT"
is "$T_RC" 0 "two hosts, one through ssh: the run exits 0"
RUN=$(readlink -f "$T_RESULTS/hosts/latest" || true)
RID=${RUN##*/}
is "$(verdict_table "$RUN" | awk '{print $1, $2}' | paste -sd' ')" "boot-idle PASS devdax-unbind RESET dimm-hotplug PASS" \
	"every scenario has its verdict: boot-idle PASS, devdax-unbind RESET, dimm-hotplug PASS"
nsys=$(grep -l "^# libvirt $SYS," "$RUN"/*/cmdline 2>/dev/null | wc -l || true)
nssh=$(grep -l '^# libvirt qemu+ssh:' "$RUN"/*/cmdline 2>/dev/null | wc -l || true)
like "$nsys/$nssh" "[1-9]/[1-9]" "both hosts ran scenarios: $nsys here, $nssh through ssh (cmdline: '# libvirt URI')"
is "$(json "$RUN/run.json" '.hosts | join(" ")' 2>/dev/null || true)" "$SYS $SSH_URI" "run.json names both hosts"
missing=''
while IFS= read -r c; do
	dom=$(sed -n 's/^# libvirt [^ ]*, transient domain \([^ ]*\) .*/\1/p' "$c")
	[[ -s $LAB_HOME/.cache/libvirt/qemu/log/$dom.log ]] || missing+=" ${dom:-?}"
done < <(grep -l '^# libvirt qemu+ssh:' "$RUN"/*/cmdline)
is "$missing" "" "the lab daemon ran them: its QEMU log of each domain"
like "$T_OUT" "*$SSH_HOST?*copying vmlinuz*copying initrd*" "the image went into the lab's pool through ssh"
check_none_left "$RID" "no domain on either daemon, no QEMU, conductor, ssh or nc left"
TKEY=stock-$(json "$RUN/run.json" .kernel.release 2>/dev/null || true)
TACCEL=$(json "$RUN/run.json" .accel 2>/dev/null || true)

# ---- the lab daemon dies while its guest boots ----
# start order: dimm-hotplug here, mirror-workload on the ssh host, then
# boot-idle on whichever slot frees first (the ssh one, lost by then)
timings_set dimm-hotplug=90000 mirror-workload=60000 boot-idle=30000
lost_run lost-daemon console kill_lab dimm-hotplug mirror-workload boot-idle
is "$TRIGGERED" yes "the lab daemon killed (SIGKILL) while ${LOST##*/} booted on it"
is "$T_RC" 1 "the run ends by itself and exits 1 (an ERROR)"
like "$(verdict_of "$LOST")" "ERROR *QEMU died of signal 6: hpc-libvirt: lost the connection to libvirt host $SSH_HOST (end of file*" \
	"${LOST##*/}: ERROR, the reason names the lost host"
is "$(verdict_table "$RUN" | awk '{print $1, $2}' | paste -sd' ')" "boot-idle PASS dimm-hotplug PASS mirror-workload ERROR" \
	"the other host's scenarios have their verdicts"
is "$(host_of boot-idle)" "$SYS" "boot-idle, not started when the host was lost, ran on the host left"
like "$T_OUT" "*libvirt host $SSH_HOST is lost (*): no more runs start there*" "the runner says the host is lost"
t "the runner left no conductor, hpc-libvirt, ssh or nc" eventually 10 test -z "$(leftovers)"
diag "QEMU the killed daemon left running: $(qemus "$RID")"
t "the lab daemon starts again" lab_start
check_none_left "$RID" "... and leaves no domain and no QEMU of the run (its client is gone: auto-destroyed)"

# ---- the ssh server dies under a running guest ----
timings_set boot-idle=90000 dimm-hotplug=60000
lost_run lost-sshd hello kill_sshd boot-idle dimm-hotplug
is "$TRIGGERED" yes "sshd (listener and sessions) killed under the running guest of ${LOST##*/}"
is "$T_RC" 1 "the run ends by itself and exits 1"
like "$(verdict_of "$LOST")" "ERROR QEMU died of signal 6: hpc-libvirt: lost the connection to libvirt host $SSH_HOST (end of file*" \
	"${LOST##*/}: ERROR, the reason names the lost host"
is "$(verdict_table "$RUN" | awk '{print $1, $2}' | paste -sd' ')" "boot-idle PASS dimm-hotplug ERROR" \
	"the other host's scenario has its verdict"
like "$T_OUT" "*libvirt host $SSH_HOST is lost (*" "the runner says the host is lost"
check_none_left "$RID" "the lab daemon destroyed the domain of the client gone; nothing of the run left"

is "$(pgrep -c -f 'qemu-system.*guest=hpchaos-' || true)" "$q0" "no QEMU of ours left at the end"
diag "ssh.t: $((SECONDS - T0)) s"
sanitizer_check
done_testing
