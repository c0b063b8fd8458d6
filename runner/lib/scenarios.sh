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
		[[ $found == 1 ]] || die 2 "no scenario or group named '$arg' (see 'hpchaos list')$(scenarios_near "$arg")"
	done
	printf '%s\n' "${out[@]}"
}

# groups_known: every group of the shipped scenarios, one a line, sorted.
groups_known() {
	scenarios_info | cut -f2 | tr ',' '\n' | LC_ALL=C sort -u
}

# scenarios_near WORD: the scenario and group names close to WORD (edit
# distance at most a third of its length, or one name holds the other),
# the closest first, at most 6, as "; did you mean: a b c?" or nothing.
scenarios_near() {
	local w=$1 near
	[[ ${#w} -ge 3 ]] || return 0
	near=$({
		scenarios_info | cut -f1
		groups_known
	} | LC_ALL=C sort -u | awk -v w="$w" '
	function dist(a, b,   i, j, la, lb, d, c, x) {
		la = length(a); lb = length(b)
		for (i = 0; i <= la; i++) d[i, 0] = i
		for (j = 0; j <= lb; j++) d[0, j] = j
		for (i = 1; i <= la; i++)
			for (j = 1; j <= lb; j++) {
				c = substr(a, i, 1) != substr(b, j, 1)
				x = d[i - 1, j - 1] + c
				if (d[i - 1, j] + 1 < x) x = d[i - 1, j] + 1
				if (d[i, j - 1] + 1 < x) x = d[i, j - 1] + 1
				d[i, j] = x
			}
		return d[la, lb]
	}
	{
		k = dist(w, $0)
		if (k <= int(length(w) / 3) + 1 || index($0, w) || index(w, $0))
			printf "%d %s\n", k, $0
	}' | sort -n -k1,1 -s | head -n 6 | cut -d' ' -f2 | paste -sd' ')
	[[ -z $near ]] || printf '; did you mean: %s?' "$near"
}
