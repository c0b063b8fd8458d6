#!/usr/bin/env bash
# The command line, without booting anything: every command's --help, the
# version, --option=value, unknown names with the close ones, list --json.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"

cmds=(run repro bisect bisect-run minimise report list lint image doctor)
plan $((3 * ${#cmds[@]} + 36))

for c in "${cmds[@]}"; do
	hpc "$c" --help
	like "$T_RC $T_OUT" "0 usage: hpchaos $c *" "$c --help: its usage, exit 0"
	hpc "$c" -h
	like "$T_RC $T_OUT" "0 usage: hpchaos $c *" "$c -h: the same"
	hpc help "$c"
	like "$T_RC $T_OUT" "0 usage: hpchaos $c *" "help $c: the same"
done
hpc help
like "$T_RC $T_OUT" "0 usage: hpchaos COMMAND *Options for run:*Options for repro*" "help: all of it, exit 0"
hpc help nosuch
like "$T_RC $T_OUT" "2 *help: no command 'nosuch'*" "help of an unknown command: exit 2"
hpc nosuch
like "$T_RC $T_OUT" "2 *unknown command 'nosuch'*" "an unknown command: exit 2"
hpc --version
like "$T_RC $T_OUT" "0 hpchaos [0-9]*.[0-9]*" "--version"
hpc version
like "$T_RC $T_OUT" "0 hpchaos [0-9]*.[0-9]*" "version"

# --option=value is --option value (the errors show the value arrived)
hpc run --seed=x boot-idle
like "$T_RC $T_OUT" "2 *--seed: expected a decimal number*got 'x'*" "run --seed=x: the value reaches --seed"
hpc run --kernel=nosuch boot-idle
like "$T_RC $T_OUT" "2 *unknown kernel 'nosuch'*" "run --kernel=nosuch: the value reaches --kernel"
hpc repro --tries=0 "$T_TMP"
like "$T_RC $T_OUT" "2 *--tries: expected a number*" "repro --tries=0: the value reaches --tries"
hpc bisect --good=v1 "$T_TMP"
like "$T_RC $T_OUT" "2 *bisect: *is not a scenario result*" "bisect of what is not a result: exit 2"
hpc bisect-run "$T_TMP"
like "$T_RC $T_OUT" "255 *bisect-run: *is not a scenario result*" "bisect-run of bad input: exit 255, which stops git bisect run"
hpc minimise --max-runs=0 "$T_TMP"
like "$T_RC $T_OUT" "2 *--max-runs: expected a number from 1 *" "minimise --max-runs=0: the value reaches --max-runs"
hpc image --kernel=nosuch
like "$T_RC $T_OUT" "2 *unknown kernel 'nosuch'*" "image --kernel=nosuch: the value reaches --kernel"
hpc run --symbols=1 boot-idle
like "$T_RC $T_OUT" "2 *unknown option '--symbols=1'*" "a flag with a value: an unknown option, exit 2"

# unknown names: exit 2, nothing booted, the close names offered
hpc run --results "$T_RESULTS" boot-idl
like "$T_RC $T_OUT" "2 *no scenario or group named 'boot-idl'*did you mean: boot-idle?*" "run boot-idl: did you mean boot-idle"
hpc run --results "$T_RESULTS" report-wrn
like "$T_RC $T_OUT" "2 *did you mean: report-warn *" "run report-wrn: report-warn first"
t "and nothing was booted (no result directory)" test ! -e "$T_RESULTS"
hpc list nosuch
like "$T_RC $T_OUT" "2 *list: no group named 'nosuch' (groups: *reports*smoke*" "list nosuch: exit 2, the groups listed"

# list --json: the same scenarios as the table, with their groups
hpc list --json
is "$(jq -r 'map(.name) | join(" ")' <<<"$T_OUT")" "$("$T_TOP/runner/hpchaos" list | awk '{print $1}' | paste -sd' ')" \
	"list --json: every scenario of list, in its order"
is "$(jq -c '.[] | select(.name == "report-stuck") | .groups' <<<"$T_OUT")" '["reports","chaos"]' \
	"list --json: groups as an array"
hpc list --json reports
is "$(jq length <<<"$T_OUT")" "$("$T_TOP/runner/hpchaos" list reports | wc -l)" "list --json GROUP: that group's"

# doctor --json: the same facts as the table, as one JSON object
j=$("$T_TOP/runner/hpchaos" doctor --json 2>/dev/null) || j=''
is "$(jq -r '[.accelerator, .config.CONFIG_HMM_MIRROR, .modules.hpchaos] | map(tostring) | join(" ")' <<<"$j" 2>&1)" \
	"$("$T_TOP/runner/hpchaos" doctor 2>/dev/null | awk '$1 == "accelerator" || $1 == "CONFIG_HMM_MIRROR" { printf "%s ", $2 } $1 == "hpchaos" { print ($2 == "yes" ? "true" : "false") }')" \
	"doctor --json: accelerator, a config option and a module as the table has them"
like "$(jq -r .guest_kernel <<<"$j")" "6.* (stock *" "doctor --json: the guest kernel"

# the manual page (scdoc) and the bash completion know every option
run_opts=$("$T_TOP/runner/hpchaos" run --help | grep -oE -- '^  (-[a-zA-Z]( N)?, )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u)
repro_opts=$("$T_TOP/runner/hpchaos" repro --help | grep -oE -- '^  --[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u)
bisect_opts=$("$T_TOP/runner/hpchaos" bisect --help | grep -oE -- '^  --[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u)
t "run --help lists options ($(wc -w <<<"$run_opts"))" test "$(wc -w <<<"$run_opts")" -ge 14
scd=$T_TOP/docs/man/hpchaos.1.scd
missing=$(for o in $run_opts $repro_opts $bisect_opts; do grep -qF -- "*$o*" "$scd" || echo "$o"; done)
is "$missing" "" "the man page has every option of run, repro and bisect"
mini_opts=$("$T_TOP/runner/hpchaos" minimise --help | grep -oE -- "^  --[a-z-]+" | grep -oE -- "--[a-z-]+" | sort -u)
t "run --help lists options ($(wc -w <<<"$run_opts"))" test "$(wc -w <<<"$run_opts")" -ge 14
scd=$T_TOP/docs/man/hpchaos.1.scd
missing=$(for o in $run_opts $repro_opts $mini_opts; do grep -qF -- "*$o*" "$scd" || echo "$o"; done)
is "$missing" "" "the man page has every option of run, repro and minimise"
make -s -C "$T_TOP" man >/dev/null 2>&1 && rc=0 || rc=$?
is "$rc" 0 "make man renders it with scdoc"
warn=$(man --warnings -l "$T_TOP/framework/build/man/hpchaos.1" 2>&1 >/dev/null)
is "$warn" "" "man -l: no warnings"
like "$(MANWIDTH=80 man -l "$T_TOP/framework/build/man/hpchaos.1" 2>/dev/null)" "*SYNOPSIS*hpchaos run*EXIT STATUS*" "man -l renders it"
comp() { bash -c '. "$1/runner/completion/hpchaos.bash"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _hpchaos; echo "${COMPREPLY[*]}"' _ "$T_TOP" "$T_TOP/runner/hpchaos" "$@"; }
is "$(comp run report-st)" report-stuck "completion: scenario names"
is "$(comp run --kernel ch)" "chaos chaos:6.12" "completion: kernel specs"
is "$(comp mini)" minimise "completion: the minimise command"
comp_run=$(grep -E "^\s+run\) opts=" "$T_TOP/runner/completion/hpchaos.bash")
missing=$(for o in $run_opts; do [[ $comp_run == *" $o"* || $comp_run == *"'$o"* ]] || echo "$o"; done)
is "$missing" "" "completion: every option of run"

# make install: the tool, its manual page and its completion
d=$T_TMP/inst
make -s -C "$T_TOP" install DESTDIR="$d" PREFIX=/usr >/dev/null 2>&1 && rc=0 || rc=$?
is "$rc" 0 "make install DESTDIR=... PREFIX=/usr"
t "it installs the manual page and the bash completion" \
	test -f "$d/usr/share/man/man1/hpchaos.1" -a -f "$d/usr/share/bash-completion/completions/hpchaos"
like "$("$d/usr/bin/hpchaos" --version 2>&1)" "hpchaos [0-9]*" "the installed hpchaos runs"
done_testing
