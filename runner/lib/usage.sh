# shellcheck shell=bash
# The help texts: 'hpchaos help' prints them all, 'hpchaos COMMAND --help'
# the one of COMMAND; and the --name=value form of options.

# hpc_version: this checkout's version (the git commit when there is one).
hpc_version() {
	local v
	v=$(git -C "$HPC_TOP" describe --always --dirty 2>/dev/null || true)
	printf '%s%s\n' "$HPC_VERSION" "${v:+ (git $v)}"
}

usage_commands() {
	cat <<EOF2
usage: hpchaos COMMAND [OPTIONS] [ARGS]

Commands:
  run [SCENARIO|GROUP|FILE...]  boot guests, run scenarios, print verdicts
                                (default: the 'quick' group)
  repro RESULT_DIR              run a result again: same scenario, seed,
                                kernel and module; how many tries agree
  bisect --good REV RESULT_DIR  the first commit of a kernel git tree at
                                which a failure comes back
  bisect-run RESULT_DIR         judge the checked-out commit, for a
                                'git bisect run' you drive (0/1/125)
  minimise RESULT_DIR [NAME]    a smaller scenario that still fails the
                                same way (steps and actions dropped,
                                drawn delays pinned, counts halved)
  report RESULT_DIR             write the run's files (summary.json,
                                junit.xml, ktap.txt, kcidb.json, index.html)
                                again; print the table
  audit [RUN_DIR]               the device kind x fault x outcome matrix of a
                                run (default: the latest), with the evidence
                                of each cell; also audit.json in RUN_DIR
  list [--json] [GROUP]         list scenarios with their groups
  list --running                the guests kept alive (run --keep-alive)
  attach RESULT_DIR [-- CMD]     a shell in a kept guest, or run CMD there
  stop RESULT_DIR               end a kept guest
  lint [FILE|DIR...]            check scenario files without booting
  image                         build (or find in the cache) the guest image
  doctor                        what this machine and the image can do
                                (--setup-libvirt: install and start a local
                                libvirtd for the libvirt backend, as root)
  help [COMMAND]                this text, or the options of COMMAND
  version                       the version (also --version)

'hpchaos COMMAND --help' gives the options of COMMAND. Every option that
takes a value also takes it as --option=value.
EOF2
}

usage_run() {
	cat <<EOF2
usage: hpchaos run [OPTIONS] [SCENARIO|GROUP|FILE...]

Options for run:
  --kernel SPEC                 guest kernel (docs/kernels.md):
                                stock       Debian 12's packaged kernel, 6.1 (default)
                                stock:6.12  Debian 12's packaged 6.12 (bookworm-security)
                                chaos       a debug kernel (KASAN, lockdep, DEBUG_VM,
                                            fault injection) from linux-source-6.1
                                chaos:6.12  the same from linux-source-6.12
                                tree:PATH   your tree, built incrementally in the
                                            cache; its .config (or --config FILE)
                                            with our options merged on top
                                build:DIR   a kernel you built (in place or O=DIR),
                                            booted as it is, without a rebuild
  --config FILE                 with tree:PATH, the config to start from
  --seed N                      seed for every random choice, 0..2^63-1
                                (default: drawn, printed)
  --repeat N                    soak: run each scenario N times, repetition r
                                with seed SEED+r-1; results in NN-name-rR
  --duration T                  soak: cycle through the scenarios until T
                                (90s, 10m, 2h, 1d) has passed; the running
                                scenarios finish (with --repeat: at most N)
  --accel auto|tcg|kvm          accelerator (default: auto = KVM if usable, else TCG)
  --backend qemu|libvirt[:URI]  how guests start: QEMU directly (default), or as
                                transient libvirt domains (URI default
                                qemu:///system); see docs/backends.md
  --host URI                    a libvirt host to run on (repeat it to spread the
                                scenarios over several; implies --backend libvirt)
  --qemu system|current         the host's QEMU (default), or Debian 13's QEMU 10
                                (installed into the cache when missing, run
                                under bubblewrap; CXL error injection; backend
                                qemu only); see docs/running.md
  --results DIR                 where run directories go (default: ./results,
                                or \$HPC_RESULTS)
  --heartbeat S                 guest silent this long = HANG (default: 60)
  -j N, --jobs N                run N guests at once (default: what this machine
                                holds, from its cores, the guests' vCPUs and
                                free memory; printed with the reason); the
                                longest scenarios start first (timings of
                                earlier runs, in the cache)
  --planted BUG                 load a variant of the module with a planted bug
                                (see docs/kmod.md; default: none)
  --kmod-param NAME=VALUE       a parameter of hpchaos.ko for every guest
                                (repeatable; e.g. bar_map=page), kept in
                                run.json: repro, minimise and bisect use it again
  --symbols                     stock kernels: fetch Debian's -dbg package (about
                                860 MiB, once) for file:line in the kernel's
                                frames of reports (built kernels always have them;
                                our module's frames always resolve)
  --keep-alive[=fail|always]    do not stop a guest after its verdict (fail, the
                                default: when it is FAIL or ERROR; always: every
                                guest whose plan ended): a shell through the agent
                                (hpchaos attach), QEMU's gdb stub on a private
                                socket (the gdb command line is printed); the
                                runner waits until Ctrl-C or hpchaos stop.
                                QEMU backend only; guests boot with nokaslr
  -v, --verbose                 more messages

Exit status: 0 no FAIL and no ERROR; 1 some FAIL or ERROR; 2 bad input
(nothing was booted); 3 interrupted.
Results: RESULTS/<run-id>/ with summary.json, junit.xml, ktap.txt, index.html
(docs/reports.md), kcidb.json (KernelCI; origin from HPC_KCIDB_ORIGIN) and one
directory per scenario (verdict.json, console.log, timeline.jsonl, the
scenario file as it ran, ...).
EOF2
}

usage_repro() {
	cat <<EOF2
usage: hpchaos repro [OPTIONS] RESULT_DIR

Options for repro (RESULT_DIR: results/<id> replays each FAIL scenario of
the run, results/<id>/NN-name that scenario):
  --tries N                     runs per scenario (default: 10)
  --all                         replay every scenario of a run, not only FAILs
  --kernel SPEC                 replay on this kernel instead of the recorded one
  --config FILE                 with --kernel tree:PATH, the config to start from
  --symbols                     as for run

Exit status: 0 every try gave the same verdict and title as the original;
1 some did not; 2 bad input (not a hpchaos result); 3 interrupted.
EOF2
}

usage_minimise() {
	cat <<EOF2
usage: hpchaos minimise [OPTIONS] RESULT_DIR [NAME]

From a FAIL result (results/<id>/NN-name; or results/<id> and a scenario
NAME, or results/<id> alone when it has one FAIL), a smaller scenario that
fails with the same verdict, class and title, run with the original's seed,
kernel and module: drawn delays pinned to the values that fired, then delta
debugging over the guest steps and host actions, then count= halved. Each
candidate lints before it boots; candidates run one at a time.

Options for minimise:
  --tries N                     runs of a candidate that does not fail the
                                same way at once, before it counts as not
                                failing (default: 2)
  --max-runs N                  guest runs at most, the original included
                                (default: 40; 10-30 s each under TCG)
  --confirm N                   then run the minimised scenario N more times
                                and say how often it fails the same way
                                (default: 0)
  --symbols                     as for run

Results: a run directory with minimised/NAME.scn (the smallest scenario that
still fails; the best so far when interrupted), minimise.json (the sizes,
what was removed and narrowed, every candidate with its outcome and runs),
candidates/cK/NAME.scn and one result directory per run (01-NAME-cK-tT).
Exit status: 0 reduced, or already minimal; 1 the original did not
reproduce; 2 bad input (not a FAIL result; nothing was booted);
3 interrupted.
EOF2
}

usage_report() {
	cat <<EOF2
usage: hpchaos report RESULT_DIR

Writes the run-level files of RESULT_DIR (results/<run-id>) again from its
plan, run.json and each scenario's verdict.json and timeline.jsonl:
summary.json, junit.xml, ktap.txt and index.html (one page to open in a
browser: the run table, per scenario the verdict, kernel reports with their
frames, steps with their output and a timeline picture; docs/reports.md),
and prints the table. 'hpchaos run' writes them at the end of a run; this
is for a run made by an older hpchaos, or after hpc-symbolize added frames.

Exit status: as for run (0 no FAIL and no ERROR; 1 some; 2 not a run
directory; 3 the run was interrupted).
EOF2
}

usage_audit() {
	cat <<EOF2
usage: hpchaos audit [OPTIONS] [RUN_DIR]

The audit matrix of RUN_DIR (results/<run-id>; default: the latest run):
each result classified by device kind (cxl-pmem, cxl-ram, pci-bar, dimm,
virtio-mem, nvdimm, device-private, none) and fault (unplug,
surprise-removal, resize, poison, ..., guest-removal, fault-injection,
notifier-delay, none) from its copy of the scenario file, and counted by
outcome (PASS ... NOTRUN, FAIL/ERROR with their class) in each of its
cells; per cell the cycles passed/run and the evidence: the first result of
its worst outcome (its verdict.json for a FAIL or ERROR), a path relative
to RUN_DIR. Printed as a table and written to RUN_DIR/audit.json
(docs/reports.md, "The audit matrix").

Options for audit:
  --json FILE                   also write audit.json to FILE
  --html FILE                   the matrix as an HTML page (links relative to
                                RUN_DIR: put it there or next to index.html)
  --results DIR                 where 'latest' is looked for (default:
                                ./results, or \$HPC_RESULTS)

Exit status: 0 the matrix of every result; 1 made, but input files were
missing or malformed (each said on stderr; those results count as device
and fault unknown, or without cycles); 2 not a run directory (no
summary.json), bad usage, or a file that could not be written.
EOF2
}

usage_list() {
	cat <<EOF2
usage: hpchaos list [--json] [GROUP]
       hpchaos list --running [--results DIR]

Every scenario (or those of GROUP): name, groups, description. --json: a
JSON array of {name, groups, file, description}. An unknown group is an
error (exit 2) that lists the groups.
--running: the guests kept alive (run --keep-alive) under DIR (default
./results, or \$HPC_RESULTS): result directory, verdict, since when.
EOF2
}

usage_lint() {
	cat <<EOF2
usage: hpchaos lint [FILE|DIR...]

Checks scenario files without booting (default: every file under
scenarios/). Errors are FILE:LINE: what was expected; exit 2 if any.
EOF2
}

usage_image() {
	cat <<EOF2
usage: hpchaos image [--kernel SPEC] [--config FILE]

Builds (or finds in the cache) the guest kernel and initramfs for SPEC
(as for run; default stock) and prints where they are.
EOF2
}

usage_doctor() {
	cat <<EOF2
usage: hpchaos doctor [--kernel SPEC] [--qemu system|current] [--json] [--setup-libvirt]

What this machine and the image for SPEC (default stock) can do: QEMU
(with --qemu current: Debian 13's, installed when missing) and its CXL
commands, libvirt, KVM, host packages, the kernel's options and modules. A kernel
that is not in the cache yet is built first (said before it starts).
--json: the same as one JSON object (config and modules as objects).
--setup-libvirt installs and starts a local libvirtd, as root.
EOF2
}

# usage [COMMAND]: the help of COMMAND, or all of it.
usage() {
	case ${1:-} in
	run | repro | bisect | minimise | report | audit | list | lint | image | doctor | attach | stop) "usage_$1" ;;
	bisect-run) usage_bisect_run ;;
	minimize) usage_minimise ;;
	'')
		usage_commands
		printf '\n'
		usage_run | sed -n '/^Options for run:/,$p'
		printf '\n'
		usage_repro | sed -n '/^Options for repro/,$p'
		;;
	*) die 2 "help: no command '$1' (commands: run repro bisect bisect-run minimise report audit list attach stop lint image doctor)" ;;
	esac
}

# opts_expand 'NAME...' ARG...: the arguments in OPTS_ARGV, with each
# --NAME=VALUE of an option in the list (those that take a value) as two
# words; any other --x=y stays as it is (its parser calls it unknown).
opts_expand() {
	local list=" $1 " a
	shift
	OPTS_ARGV=()
	for a in "$@"; do
		if [[ $a == --*=* && $list == *" ${a%%=*} "* ]]; then
			OPTS_ARGV+=("${a%%=*}" "${a#*=}")
		else
			OPTS_ARGV+=("$a")
		fi
	done
}

usage_bisect() {
	cat <<EOF2
usage: hpchaos bisect --good REV [--bad REV] [OPTIONS] RESULT_DIR

Finds the first commit of a kernel git tree at which the failure of
RESULT_DIR (results/<id>/NN-name: a FAIL) comes back: same verdict, class
and title. Your checkout is only read: the commits are checked out in a
clone in the cache, and each step is an incremental build (tree:PATH).
  --tree PATH                   the kernel git tree (default: .)
  --good REV                    a commit where it does not fail (repeatable)
  --bad REV                     a commit where it fails (default: HEAD)
  --tries N                     replays per step (default: enough to see the
                                failure with 95% odds at the rate it came in
                                its own run; 3 when it ran once)
  --config FILE                 the kernel config of every step (default: the
                                tree's .config, else the chaos config)
  --results DIR                 where the bisect directory goes (./results)

Each step: bad when a try gives the same failure; good when no try fails;
skipped when the build fails or every try is ERROR; a FAIL with another
title is reported and skipped, never counted as bad. Both ends are checked
first. Output: the first bad commit, a table of the steps, and in
RESULTS/bisect-<id>/: bisect.json, bisect.log (git's), steps/NN-<commit>/.
Exit status: 0 found; 1 not found (an end did not check out, or only
skipped commits are left); 2 bad input; 3 interrupted.
EOF2
}

usage_bisect_run() {
	cat <<EOF2
usage: hpchaos bisect-run [--tree PATH] [--tries N] [--config FILE] RESULT_DIR

For a bisect you drive: git bisect run hpchaos bisect-run RESULT_DIR
Builds the tree's checked-out commit (tree:PATH) and judges it as bisect
does. Exit status: 0 good; 1 bad; 125 skip (the build failed, every try
was ERROR, or it failed with another title); 255, which stops git's
bisect, on bad input or an interruption.
EOF2
}

usage_attach() {
	cat <<EOF2
usage: hpchaos attach RESULT_DIR [-- COMMAND...]

A shell in the guest kept alive in RESULT_DIR (results/<id>/NN-name, or a
run directory with one kept guest), through the agent: 'exit' or Ctrl-D
leaves, the guest stays. With a COMMAND: runs it there (stdin /dev/null),
prints its output and exits with its status (124: no answer in 60 s).
What the guest prints is made printable first. Guests are kept by
'hpchaos run --keep-alive'; 'hpchaos list --running' lists them.
EOF2
}

usage_stop() {
	cat <<EOF2
usage: hpchaos stop RESULT_DIR

Ends the guest kept alive in RESULT_DIR: its conductor stops QEMU and
exits, and the 'hpchaos run' that waits for it ends when it was the last.
Exit status: 0 stopped; 1 it did not end within 15 s; 2 nothing kept there.
EOF2
}
