# shellcheck shell=bash
# Finding scenarios by name, group or file.

HPC_SCENARIOS=${HPC_SCENARIOS:-$HPC_TOP/scenarios}

# scenarios_files: every scenario file, sorted.
scenarios_files() {
	find "$HPC_SCENARIOS" -name '*.scn' -type f | LC_ALL=C sort
}

# scenarios_info [--group G | --named WORD]: name<TAB>groups<TAB>file<TAB>
# description for every scenario, or those in group G, or those WORD names
# (all, a name or a group). hpc-scenario does the matching (the one place:
# hpc_scenario_named() in lib/scenario_parse.c).
scenarios_info() {
	local -a files
	mapfile -t files < <(scenarios_files)
	[[ ${#files[@]} -gt 0 ]] || die 2 "no scenario files under $HPC_SCENARIOS"
	"$HPC_BIN/hpc-scenario" info "$@" "${files[@]}" || die 2 "scenario files have errors (run 'hpchaos lint')"
}

# scenarios_resolve ARG...: the files the arguments name, in order, each once.
# An argument is a .scn file path, a scenario name, a group, or 'all'.
scenarios_resolve() {
	local arg file found
	local -A seen=()
	local -a out=()
	for arg in "$@"; do
		found=0
		if [[ $arg == *.scn ]]; then
			[[ -e $arg || -L $arg ]] || die 2 "$arg: no such scenario file"
			[[ -f $arg ]] || die 2 "$arg: not a regular file (a scenario is one)"
			file=$(readlink -f "$arg")
			[[ -n ${seen[$file]:-} ]] || out+=("$file")
			seen[$file]=1
			continue
		fi
		while IFS=$'\t' read -r _ _ file _; do
			found=1
			[[ -n ${seen[$file]:-} ]] || out+=("$file")
			seen[$file]=1
		done < <(scenarios_info --named "$arg")
		[[ $found == 1 ]] || die 2 "no scenario or group named '$arg' (see 'hpchaos list')"
	done
	printf '%s\n' "${out[@]}"
}
