#!/usr/bin/env bash
# A guest kept alive (issue 13, part 5): 'run --keep-alive=always' keeps a
# real stock guest after its verdict; 'attach' runs commands in it through
# the agent (with a command, and as a piped shell); QEMU's gdb stub answers
# the remote protocol on gdb.sock; 'list --running' shows it; 'stop' ends it
# and the runner with it, with no QEMU and no conductor left. A second
# kept guest is ended by Ctrl-C of the runner instead.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
set -m # job control: the runner gets its own process group, like at a terminal

plan 19

before=$(qemu_count)
conductors() { pgrep -c -f "hpc-conductor .*$T_TMP" || true; }

# start_kept NAME: a run that keeps its guest, in the background; KEPT_DIR
# once its kept.json is there and the runner waits for it (a boot under TCG on a loaded host: 300 s).
start_kept() {
	local res=$T_RESULTS/$1 i
	"${AS_AT_TERMINAL[@]}" "$T_TOP/runner/hpchaos" run --keep-alive=always --results "$res" \
		boot-idle >"$T_TMP/$1.out" 2>&1 &
	RUNNER=$!
	KEPT_DIR=
	for ((i = 0; i < 3000; i++)); do
		KEPT_DIR=$(find "$res" -name kept.json -printf '%h\n' -quit 2>/dev/null || true)
		# the runner has said all it says about it
		[[ -z $KEPT_DIR ]] || ! grep -q "waiting for the kept guest" "$T_TMP/$1.out" || break
		kill -0 "$RUNNER" 2>/dev/null || break
		sleep 0.1
	done
}

# gdb_answer SOCKET: the gdb stub's reply to '?' (why the target stopped),
# then detach (the guest runs on). The remote protocol in perl: no gdb needed.
gdb_answer() {
	perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect: $!\n";
		local $SIG{ALRM} = sub { die "no answer in 20 s\n" };
		alarm 20;
		print $s "\$?#3f";
		my ($b, $c) = ("", "");
		while ($b !~ /\$([^#]*)#[0-9a-f]{2}/) { sysread($s, $c, 256) or last; $b .= $c; }
		print "$1\n" if $b =~ /\$([^#]*)#/;
		print $s "+\$D#44";
		sysread($s, $c, 256);
	' "$1"
}

start_kept stop
t "the guest is kept: kept.json" test -n "$KEPT_DIR"
[[ -n $KEPT_DIR ]] || KEPT_DIR=$T_TMP/none
like "$(cat "$T_TMP/stop.out")" "*boot-idle*PASS: *guest kept alive*" "the verdict line says the guest is kept"
is "$(json "$KEPT_DIR/verdict.json" .verdict)" PASS "the verdict is written while the guest is kept"
out=$(cat "$T_TMP/stop.out")
like "$out" "*shell:*hpchaos attach $KEPT_DIR *" "the runner says how to attach"
like "$out" "*gdb:*gdb -ex 'target remote $KEPT_DIR/gdb.sock'*" "the runner prints the gdb command line"
like "$out" "*end:*hpchaos stop $KEPT_DIR*" "the runner says how to end it"

hpc list --running --results "$T_RESULTS/stop"
like "$T_OUT" "*$KEPT_DIR *PASS*since *" "list --running shows the kept guest"

rel=$(json "$KEPT_DIR/verdict.json" .guest_release 2>/dev/null || true)
hpc attach "$KEPT_DIR" -- uname -r
is "$T_RC/$T_OUT" "0/$rel" "attach -- CMD runs it in the guest (its kernel release)"
hpc attach "$KEPT_DIR" -- 'echo out; echo err >&2; exit 7'
is "$T_RC" 7 "attach -- CMD exits with the command's status"
is "$T_OUT" $'out\nerr' "attach -- CMD prints stdout and stderr"
hpc attach "$(dirname "$KEPT_DIR")" -- 'printf "\033[31mred\033[0m\001\n"'
is "$T_OUT" 'red?' "guest output is made printable (a run directory with one kept guest works too)"
# shellcheck disable=SC2016 # the guest shell expands it
T_OUT=$(printf 'x=$((6 * 7))\necho "answer $x"\ncd /proc && pwd\n' |
	"$T_TOP/runner/hpchaos" attach "$KEPT_DIR" 2>&1) || true
like "$T_OUT" "*"$'answer 42\n/proc'"*" "attach: a piped shell keeps its state from line to line"

like "$(gdb_answer "$KEPT_DIR/gdb.sock" 2>&1)" "[ST][0-9a-f][0-9a-f]*" "QEMU's gdb stub answers on gdb.sock"

hpc stop "$KEPT_DIR"
is "$T_RC" 0 "stop ends the kept guest"
rc=0
for _ in $(seq 150); do kill -0 "$RUNNER" 2>/dev/null || break; sleep 0.1; done
wait "$RUNNER" || rc=$?
is "$rc" 0 "the runner ends with the run's status once its kept guest is stopped"
t "kept.json is gone" test ! -e "$KEPT_DIR/kept.json"

start_kept ctrl-c
t "a second guest is kept" test -n "$KEPT_DIR"
kill -INT -- "-$RUNNER" 2>/dev/null || true # the whole group, as a terminal does
wait "$RUNNER" 2>/dev/null || true
for _ in $(seq 100); do
	[[ $(qemu_count) == "$before" && $(conductors) == 0 ]] && break
	sleep 0.1
done
is "$(qemu_count)/$(conductors)" "$before/0" "Ctrl-C of the runner ends its kept guest: no QEMU, no conductor left"
hpc attach "$KEPT_DIR" -- true
is "$T_RC" 2 "attach to a guest no longer kept is an error"
done_testing
