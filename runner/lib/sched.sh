# shellcheck shell=bash
# Several guests at once ('hpchaos run -j'): how many the machine holds, and
# in which order the scenarios start (longest first, from the wall times of
# earlier runs in the timing file).

HPC_TIMINGS=${HPC_TIMINGS:-$HPC_CACHE/timings}
HPC_JOBS_MAX=64          # -j never goes above this
HPC_JOBS_OVERCOMMIT=4    # nor above 4 times what the cores hold
HPC_QEMU_OVERHEAD_TCG=384 # MiB QEMU takes per guest besides its RAM (TCG code cache, devices)
HPC_QEMU_OVERHEAD_KVM=192
HPC_MEM_RESERVE=1024     # MiB of free memory left to the host
HPC_TIMINGS_KEEP=1000    # entries kept in the timing file (least recently run dropped)

declare -gA TIMING=()    # scenario name -> ms, for the current kernel and accelerator

# cgroup_path CONTROLLER: this process's cgroup directory for CONTROLLER
# (v1) or the unified hierarchy (v2); empty when there is none to read.
cgroup_path() {
	local ctrl=$1 id ctrls path dir
	while IFS=: read -r id ctrls path; do
		if [[ $id == 0 && -z $ctrls ]]; then
			dir=/sys/fs/cgroup$path
		elif [[ ,$ctrls, == *",$ctrl,"* ]]; then
			dir=/sys/fs/cgroup/$ctrls$path
			[[ -d $dir ]] || dir=/sys/fs/cgroup/$ctrls # a cgroup namespace's view
		else
			continue
		fi
		[[ -d $dir ]] && printf '%s\n' "$dir"
	done </proc/self/cgroup 2>/dev/null | head -n 1
}

# cgroup_cores: whole CPUs a cgroup CPU quota allows (v2 cpu.max, v1
# cfs_quota_us); nothing when there is no quota.
cgroup_cores() {
	local dir quota period
	dir=$(cgroup_path cpu || true)
	[[ -n $dir ]] || return 0
	if [[ -r $dir/cpu.max ]]; then
		read -r quota period <"$dir/cpu.max" || return 0
	elif [[ -r $dir/cpu.cfs_quota_us && -r $dir/cpu.cfs_period_us ]]; then
		quota=$(<"$dir/cpu.cfs_quota_us")
		period=$(<"$dir/cpu.cfs_period_us")
	fi
	[[ ${quota:-} =~ ^[0-9]{1,15}$ && ${period:-} =~ ^[0-9]{1,15}$ ]] && ((period > 0)) || return 0
	echo $(((quota + period - 1) / period))
}

# host_cores: CPUs this process may run on (affinity), lowered by a CPU quota.
host_cores() {
	local n q
	n=$(nproc)
	q=$(cgroup_cores)
	[[ -n $q ]] && ((q >= 1 && q < n)) && n=$q
	echo "$n"
}

# host_mem_mib: MiB free for guests: MemAvailable, lowered by what a cgroup
# memory limit leaves.
host_mem_mib() {
	local avail dir limit usage
	avail=$(awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo)
	dir=$(cgroup_path memory || true)
	if [[ -n $dir && -r $dir/memory.max ]]; then
		limit=$(<"$dir/memory.max")
		usage=$(<"$dir/memory.current")
	elif [[ -n $dir && -r $dir/memory.limit_in_bytes ]]; then
		limit=$(<"$dir/memory.limit_in_bytes")
		usage=$(<"$dir/memory.usage_in_bytes")
	fi
	if [[ ${limit:-} =~ ^[0-9]{1,18}$ && ${usage:-} =~ ^[0-9]{1,18}$ ]] && ((limit > usage)) &&
		(((limit - usage) / 1048576 < avail)); then
		avail=$(((limit - usage) / 1048576))
	fi
	echo "${avail:-0}"
}

# fmt_mib MIB: 896 -> "896 MiB", 23409 -> "22.8 GiB"
fmt_mib() {
	if (($1 >= 1024)); then
		printf '%d.%d GiB' $(($1 / 1024)) $(($1 % 1024 * 10 / 1024))
	else
		printf '%d MiB' "$1"
	fi
}

# jobs_pick WANT ACCEL NJOBS VCPUS MEM_MIB: set JOBS, the number of guests
# to run at once, and JOBS_WHY, one line saying why. WANT is 'auto' or a
# number (clamped to what the machine can hold); NJOBS the scenario runs
# planned (0: unbounded, a --duration soak); VCPUS and MEM_MIB those of the
# largest guest. A TCG guest with K vCPUs keeps about K host threads busy;
# a KVM guest's vCPUs mostly idle in the host, so one per core.
jobs_pick() {
	local want=$1 accel=$2 njobs=$3 vcpus=$4 mem=$5 cores free per fit_cpu fit_mem max max_why desc
	cores=$(host_cores)
	free=$(host_mem_mib)
	if [[ $accel == kvm ]]; then
		per=$((mem + HPC_QEMU_OVERHEAD_KVM))
		fit_cpu=$cores
	else
		per=$((mem + HPC_QEMU_OVERHEAD_TCG))
		fit_cpu=$((cores / vcpus))
	fi
	((fit_cpu >= 1)) || fit_cpu=1
	fit_mem=$(((free - HPC_MEM_RESERVE) / per))
	((fit_mem >= 1)) || fit_mem=1
	max=$((fit_cpu * HPC_JOBS_OVERCOMMIT)) max_why="${HPC_JOBS_OVERCOMMIT}x what the cores hold"
	((free / per >= max)) || max=$((free / per)) max_why="what fits in free memory"
	((max <= HPC_JOBS_MAX)) || max=$HPC_JOBS_MAX max_why="hpchaos' limit"
	((max >= 1)) || max=1
	desc="$cores cores, ${accel^^} guests of up to $vcpus vCPU$( ((vcpus == 1)) || echo s) and $(fmt_mib "$per"); $(fmt_mib "$free") free"
	if [[ $want == auto ]]; then
		JOBS=$((fit_cpu < fit_mem ? fit_cpu : fit_mem))
		JOBS_WHY=$desc
	elif ((want > max)); then
		JOBS=$max
		JOBS_WHY="asked for $want, clamped to $max: $max_why; $desc"
	else
		JOBS=$want
		JOBS_WHY="as asked; $desc"
	fi
	if ((njobs > 0 && JOBS > njobs)); then
		JOBS=$njobs
		JOBS_WHY+="; $njobs scenario run$( ((njobs == 1)) || echo s)"
	fi
}

# timings_valid NAME KERNEL ACCEL MS: a well-formed timing file entry.
timings_valid() {
	[[ $1 =~ ^[A-Za-z0-9_.:+-]{1,64}$ && -n $2 && $3 =~ ^(tcg|kvm)$ && $4 =~ ^[0-9]{1,9}$ ]]
}

# timings_load KERNEL ACCEL: TIMING[name] = ms of the scenarios' earlier
# runs on this kernel and accelerator. A missing or damaged file is no
# timing at all; bad lines are skipped.
timings_load() {
	local kernel=$1 accel=$2 name k a ms
	TIMING=()
	[[ -r $HPC_TIMINGS ]] || return 0
	while IFS=$'\t' read -r name k a ms; do
		timings_valid "$name" "$k" "$a" "$ms" || continue
		[[ $k == "$kernel" && $a == "$accel" ]] && TIMING[$name]=$((10#$ms))
	done <"$HPC_TIMINGS"
	return 0
}

# sched_order NAMES TIMEOUTS: the order to start the scenarios in (indices
# into the arrays named NAMES and TIMEOUTS, one per line): longest first by
# TIMING. A scenario without a timing goes before all that have one (it may
# be the longest; starting it late could leave one guest running alone at
# the end), those among themselves by their timeout, longest first. Ties
# keep the order of the selection.
sched_order() {
	local -n _names=$1 _timeouts=$2
	local i ms
	for i in "${!_names[@]}"; do
		ms=${TIMING[${_names[$i]}]:-}
		if [[ -n $ms ]]; then
			printf '1\t%s\t%s\n' "$ms" "$i"
		else
			printf '0\t%s\t%s\n' "$((_timeouts[i] * 1000))" "$i"
		fi
	done | sort -t $'\t' -k1,1n -k2,2nr -k3,3n | cut -f3
}

# timings_write KERNEL ACCEL NAME MS: the timing file with NAME's entry for
# KERNEL and ACCEL set to the mean of MS and the time it had (if any),
# written to a temporary file and renamed over the old one. The entry moves
# to the end; only the last HPC_TIMINGS_KEEP entries are kept. Call it under
# the timing file's lock.
timings_write() {
	local kernel=$1 accel=$2 name=$3 ms=$4 tmp n k a v
	local -a keep=()
	if [[ -r $HPC_TIMINGS ]]; then
		while IFS=$'\t' read -r n k a v; do
			timings_valid "$n" "$k" "$a" "$v" || continue
			if [[ $n == "$name" && $k == "$kernel" && $a == "$accel" ]]; then
				ms=$(((10#$v + ms) / 2))
			else
				keep+=("$n"$'\t'"$k"$'\t'"$a"$'\t'"$v")
			fi
		done <"$HPC_TIMINGS"
	fi
	keep+=("$name"$'\t'"$kernel"$'\t'"$accel"$'\t'"$ms")
	((${#keep[@]} <= HPC_TIMINGS_KEEP)) || keep=("${keep[@]:${#keep[@]}-HPC_TIMINGS_KEEP}")
	tmp=$(mktemp "$HPC_TIMINGS.XXXXXX") || return 1
	if ! {
		printf '# hpchaos timings (-j starts the longest first): scenario, kernel, accelerator, wall ms\n'
		printf '%s\n' "${keep[@]}"
	} >"$tmp" || ! mv -f "$tmp" "$HPC_TIMINGS"; then
		rm -f "$tmp"
		return 1
	fi
}

# timings_record KERNEL ACCEL NAME MS: timings_write under the file's lock
# (concurrent runs share the cache). A failure is a warning, never fatal.
timings_record() {
	if ! mkdir -p "$(dirname "$HPC_TIMINGS")" ||
		! with_lock "$HPC_TIMINGS.lock" timings_write "$@"; then
		msg "warning: could not update $HPC_TIMINGS"
	fi
	return 0
}
