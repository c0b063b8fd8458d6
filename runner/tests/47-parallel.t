#!/usr/bin/env bash
# Several guests at once (hpchaos run -j N): the scheduler starts the
# longest scenarios first, from the timing file; -j 2 gives the verdicts
# -j 1 gives, with the table and summary in plan order; nothing is shared
# between guests; Ctrl-C and SIGKILL with two guests running leave no QEMU
# and no conductor and keep what finished; soak runs work with -j.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=runner/lib/common.sh
. "$T_TOP/runner/lib/common.sh"
# shellcheck source=runner/lib/sched.sh
. "$T_TOP/runner/lib/sched.sh"
set -m # job control: a runner started with & gets its own process group
plan 48

export HPC_TIMINGS=$T_TMP/timings
K=stock-test A=tcg

# timings NAME=MS...: a timing file holding these entries for kernel K.
timings() {
	local kv
	rm -f "$HPC_TIMINGS"
	for kv in "$@"; do
		timings_write "$K" "$A" "${kv%=*}" "${kv#*=}"
	done
}
# order NAME:TIMEOUT...: the start order sched_order gives, names joined by spaces.
order() {
	local -a names=() timeouts=()
	local nt i
	for nt in "$@"; do
		names+=("${nt%:*}")
		timeouts+=("${nt#*:}")
	done
	timings_load "$K" "$A"
	for i in $(sched_order names timeouts); do printf '%s ' "${names[$i]}"; done | sed 's/ $//'
}

# --- the scheduler, without guests ---------------------------------------
rm -f "$HPC_TIMINGS"
is "$(order a:120 b:300 c:120 d:420)" "d b a c" "no timings: longest timeout first, ties in selection order"
timings a=5000 b=20000 c=12000
is "$(order a:120 b:120 c:120)" "b c a" "timings: longest first"
is "$(order a:120 x:60 b:120 y:300 c:120)" "y x b c a" "unknown scenarios first (by timeout), then by timing"
timings_write other-kernel "$A" a 99999
timings_write "$K" kvm c 99999
is "$(order a:120 b:120 c:120)" "b c a" "timings of another kernel or accelerator are not used"
printf 'garbage\nb\t%s\t%s\tnot-a-number\n\n' "$K" "$A" >>"$HPC_TIMINGS"
is "$(order a:120 b:120 c:120)" "b c a" "bad lines in the timing file are skipped"
timings_write "$K" "$A" a 25000
is "$(order a:120 b:120 c:120)" "b a c" "a new time is averaged with the recorded one (a: (5000 + 25000) / 2 = 15000)"
is "$(grep -c "^a	$K	$A	15000\$" "$HPC_TIMINGS")" 1 "...and recorded once"
is "$(find "$T_TMP" -maxdepth 1 -name 'timings.*' | wc -l)" 0 "the timing file is replaced atomically (no temporary file left)"
(HPC_TIMINGS_KEEP=3 timings_write "$K" "$A" z 1)
is "$(grep -vc '^#' "$HPC_TIMINGS")" 3 "the timing file keeps the most recent entries only"

# -j: what the machine holds (host facts replaced for the test)
host_cores() { echo 2; }
host_mem_mib() { echo 22000; }
jobs_pick auto tcg 7 2 512
is "$JOBS ($JOBS_WHY)" "1 (2 cores, TCG guests of up to 2 vCPUs and 896 MiB; 21.4 GiB free)" \
	"-j auto: TCG guests of 2 vCPUs on 2 cores: one at a time"
jobs_pick auto tcg 7 1 512
is "$JOBS" 2 "-j auto: TCG guests of 1 vCPU on 2 cores: two"
jobs_pick auto kvm 7 2 512
is "$JOBS" 2 "-j auto: KVM guests: one per core"
host_mem_mib() { echo 2000; }
jobs_pick auto tcg 7 1 512
is "$JOBS" 1 "-j auto: memory for one guest only: one"
host_mem_mib() { echo 22000; }
jobs_pick 2 tcg 7 2 512
is "$JOBS ($JOBS_WHY)" "2 (as asked; 2 cores, TCG guests of up to 2 vCPUs and 896 MiB; 21.4 GiB free)" "-j 2: as asked"
jobs_pick 50 tcg 70 2 512
like "$JOBS ($JOBS_WHY)" "4 (asked for 50, clamped to 4: 4x what the cores hold; *)" "-j 50: clamped, saying why"
jobs_pick 4 tcg 3 2 512
like "$JOBS ($JOBS_WHY)" "3 (as asked; *; 3 scenario runs)" "-j 4 with 3 runs to do: 3"
unset -f host_cores host_mem_mib
hpc run -j 0 --results "$T_RESULTS" boot-idle
like "$T_RC $T_OUT" "2 *-j: expected a number of guests (1 or more) or 'auto', got '0'*" "-j 0: exit 2"

# what the scheduler reads of each scenario
is "$("$HPC_BIN/hpc-scenario" resources "$T_TOP"/scenarios/smoke/{boot-idle,dimm-hotplug}.scn | tr '\t\n' ' ')" \
	"boot-idle 180 1 512 dimm-hotplug 420 1 768 " "hpc-scenario resources: name, timeout, vCPUs, MiB the host backs"
# Nothing a guest touches is shared: its machine names no path outside its
# own directory (QEMU runs there; @NAME files are relative names).
shared=$(for f in "$T_TOP"/scenarios/*/*.scn; do { "$HPC_BIN/hpc-scenario" qemu-args "$f" 2>/dev/null || true; } | tr '\0' '\n' | { grep / || true; } | sed "s|^|$f: |"; done)
is "$shared" "" "no scenario's machine names a path (files and sockets live in the scenario's directory)"

# --- -j 1 and -j 2: the same verdicts -------------------------------------
sel=(boot-idle crash-sysrq outcome-reset known-fail-baseline)
# started in reverse: the timing file says the last is the longest
set_order() { timings boot-idle=1000 crash-sysrq=2000 outcome-reset=3000 known-fail-baseline=4000; }
verdicts() { json "$1/summary.json" '[.results[] | "\(.scenario) \(.verdict) \(.class) \(.title)"] | join(", ")'; }
started() { printf '%s\n' "$T_OUT" | sed -n 's/^\[[0-9]*\/4\] \([a-z-]*\): running$/\1/p' | paste -sd ' '; }
table() { printf '%s\n' "$T_OUT" | sed -n '/^scenario  *verdict/,/^summary:/p' | sed '1d;$d' | cut -d' ' -f1 | paste -sd ' '; }

# the kernel key the runner uses: stock-RELEASE
K=stock-$("$T_TOP/runner/hpchaos" image | sed -n 's/^release  *//p')
set_order
hpc run -j 1 --results "$T_RESULTS/j1" --seed 7 "${sel[@]}"
diag "$T_OUT"
rc1=$T_RC
run1=$(readlink -f "$T_RESULTS/j1/latest")
like "$T_OUT" "*hpchaos: -j 1 (as asked; * cores, TCG guests of up to 1 vCPU and *)*" "-j 1: says what was chosen and why"
is "$(started)" "known-fail-baseline outcome-reset crash-sysrq boot-idle" "-j 1: the timing file orders the run (longest first)"
is "$(table)" "${sel[*]}" "-j 1: the table is in plan order"
is "$(grep -c "	$K	tcg	" "$HPC_TIMINGS")" 4 "the run recorded its 4 wall times in the timing file"

set_order
hpc run -j 2 --results "$T_RESULTS/j2" --seed 7 "${sel[@]}"
diag "$T_OUT"
run2=$(readlink -f "$T_RESULTS/j2/latest")
is "$T_RC" "$rc1" "-j 2: the exit status of -j 1 ($rc1)"
is "$(verdicts "$run2")" "$(verdicts "$run1")" "-j 2: the verdicts of -j 1, scenario by scenario"
is "$(verdicts "$run1")" "boot-idle PASS null null, crash-sysrq FAIL CRASH Kernel panic: sysrq triggered crash, outcome-reset RESET null null, known-fail-baseline XFAIL null null" \
	"...which are the expected ones"
is "$(json "$run2/summary.json" '[.results[].dir] | join(" ")')" "01-boot-idle 02-crash-sysrq 03-outcome-reset 04-known-fail-baseline" \
	"-j 2: summary.json in plan order"
is "$(table)" "${sel[*]}" "-j 2: the table is in plan order"
is "$(started)" "known-fail-baseline outcome-reset crash-sysrq boot-idle" "-j 2: started longest first"
# the second guest started before the first ended
first_end=$(printf '%s\n' "$T_OUT" | grep -n '^\[1/4\] known-fail-baseline  ' | cut -d: -f1)
second_start=$(printf '%s\n' "$T_OUT" | grep -n '^\[2/4\] outcome-reset: running' | cut -d: -f1)
t "-j 2: two guests ran at once" test "${second_start:-99}" -lt "${first_end:-0}"
is "$(stat -c %a "$run2" "$run2"/0*/ | sort -u)" 700 "-j 2: the run directory and every scenario directory are private"
# each guest: only the image comes from outside its directory
paths=$(for d in "$run2"/0*/; do tr '\0' '\n' <"$d/guest.argv" | grep / ; done | sort -u | xargs -n1 basename | sort | paste -sd ' ')
like "$paths" "*.cpio.gz vmlinuz" "-j 2: each guest's command line names only the kernel and initramfs outside its directory"

# --- interrupts with two guests running -----------------------------------
before=$(qemu_count)
conductors() { pgrep -c -f "hpc-conductor .*$1" || true; }
# start_int SIG: a -j 2 run of 4 scenarios, SIG once one has finished and
# two guests run (the longest, and the next).
start_int() {
	local sig=$1 res=$T_RESULTS/int-$1
	timings dimm-hotplug=60000 outcome-reset=9000 known-fail-baseline=8000 boot-idle=7000
	"${AS_AT_TERMINAL[@]}" "$T_TOP/runner/hpchaos" run -j 2 --results "$res" --seed 7 boot-idle outcome-reset known-fail-baseline dimm-hotplug \
		>"$T_TMP/int-$sig.out" 2>&1 &
	pid=$!
	for _ in $(seq 900); do
		[[ -n $(find "$res" -name verdict.json 2>/dev/null) && -n $(find "$res" -name 03-known-fail-baseline 2>/dev/null) ]] && break
		sleep 0.2
	done
	sleep 1
	diag "SIG$sig with $(conductors "$res") conductors running"
	if [[ $sig == KILL ]]; then
		kill -KILL "$pid" 2>/dev/null || true
	else
		kill "-$sig" -- "-$pid" 2>/dev/null || true # the whole group, as a terminal does
	fi
	int_rc=0
	wait "$pid" 2>/dev/null || int_rc=$?
	for _ in $(seq 150); do
		[[ $(qemu_count) == "$before" && $(conductors "$res") == 0 ]] && break
		sleep 0.1
	done
	is "$(qemu_count)/$(conductors "$res")" "$before/0" "SIG$sig with two guests running: no QEMU and no conductor left"
	int_run=$(readlink -f "$res/latest")
}
vfield() { json "$int_run/$1/verdict.json" "$2" 2>/dev/null || echo none; }

start_int INT
diag "$(cat "$T_TMP/int-INT.out")"
is "$int_rc" 3 "SIGINT: exit status 3"
is "$(json "$int_run/summary.json" .interrupted)" true "SIGINT: summary.json says interrupted"
is "$(vfield 02-outcome-reset '"\(.verdict) \(.interrupted)"')" "RESET false" "SIGINT: the finished scenario keeps its verdict"
is "$(vfield 04-dimm-hotplug .interrupted)" true "SIGINT: the running scenario is marked interrupted"
is "$(json "$int_run/summary.json" '.not_run | any(.[]; . == "01-boot-idle")')" true "SIGINT: the scenario not started is NOTRUN"
is "$(json "$int_run/summary.json" '[.results[].dir] + .not_run | length')" 4 "SIGINT: every planned scenario is in the summary"
like "$(cat "$T_TMP/int-INT.out")" "*interrupted (SIGINT): stopping 2 running guest(s)*" "SIGINT: says it stops both guests"

start_int KILL
is "$(vfield 02-outcome-reset '"\(.verdict) \(.interrupted)"')" "RESET false" "SIGKILL: the finished scenario keeps its verdict"
is "$(vfield 04-dimm-hotplug .interrupted)" true "SIGKILL: the longest running conductor wrote its verdict as interrupted"
is "$(vfield 03-known-fail-baseline .interrupted)" true "SIGKILL: the other running conductor too"

# --- soak runs with -j ----------------------------------------------------
timings boot-idle=9000 outcome-reset=1000
hpc run -j 2 --results "$T_RESULTS/soak" --seed 100 --repeat 2 outcome-reset
diag "$T_OUT"
run=$(readlink -f "$T_RESULTS/soak/latest")
is "$T_RC/$(paste -sd ' ' "$run/plan")" "0/01-outcome-reset-r1 01-outcome-reset-r2" "--repeat 2 -j 2: both repetitions"
is "$(json "$run/01-outcome-reset-r1/verdict.json" .seed) $(json "$run/01-outcome-reset-r2/verdict.json" .seed)" "100 101" \
	"--repeat 2 -j 2: repetition r with seed + r - 1"
timings boot-idle=9000 outcome-reset=1000
hpc run -j 2 --results "$T_RESULTS/soak" --seed 100 --duration 3s outcome-reset boot-idle
diag "$T_OUT"
run=$(readlink -f "$T_RESULTS/soak/latest")
first=$(printf '%s\n' "$T_OUT" | sed -n 's/^\[1, [0-9]*s left\] \([a-z-]*\) r1 .*: running$/\1/p')
is "$T_RC/$first/$(paste -sd ' ' "$run/plan")" "0/boot-idle/01-outcome-reset-r1 02-boot-idle-r1" \
	"--duration 3s -j 2: both slots start at once, the longest first; the plan is in plan order"
is "$(qemu_count)" "$before" "no QEMU left at the end"
done_testing
