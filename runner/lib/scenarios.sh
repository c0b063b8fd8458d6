# shellcheck shell=bash
# Finding scenarios by name, group or file.

HPC_SCENARIOS=${HPC_SCENARIOS:-$HPC_TOP/scenarios}

# scenarios_files: every scenario file, sorted.
scenarios_files() {
	find "$HPC_SCENARIOS" -name '*.scn' -type f | LC_ALL=C sort
}

# scenarios_info: name<TAB>groups<TAB>file<TAB>description for every scenario.
scenarios_info() {
	local -a files
	mapfile -t files < <(scenarios_files)
	[[ ${#files[@]} -gt 0 ]] || die 2 "no scenario files under $HPC_SCENARIOS"
	"$HPC_BIN/hpc-scenario" info "${files[@]}" || die 2 "scenario files have errors (run 'hpchaos lint')"
}

# scenarios_resolve ARG...: the files the arguments name, in order, each once.
# An argument is a .scn file path, a scenario name, a group, or 'all'.
scenarios_resolve() {
	local arg name groups file found
	local line
	local -A seen=()
	local -a info out=()
	mapfile -t info < <(scenarios_info)
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
		for line in "${info[@]}"; do
			IFS=$'\t' read -r name groups file _ <<<"$line"
			if [[ $arg == all || $arg == "$name" || ,$groups, == *",$arg,"* ]]; then
				found=1
				[[ -n ${seen[$file]:-} ]] || out+=("$file")
				seen[$file]=1
			fi
		done
		[[ $found == 1 ]] || die 2 "no scenario or group named '$arg' (see 'hpchaos list')"
	done
	printf '%s\n' "${out[@]}"
}
