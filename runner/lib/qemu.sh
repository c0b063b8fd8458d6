# shellcheck shell=bash
# Which QEMU runs the guests (--qemu system|current; docs/running.md,
# "A current QEMU"):
#
#   system   the host's qemu-system-x86_64 (Debian 12: 7.2, no CXL error
#            injection)
#   current  Debian 13's qemu-system-x86 (10.0): its packages, fetched with
#            apt and unpacked into a root under the cache, run with
#            bubblewrap: the root as /, the host's /dev, the run directory
#            and the cache bound in at their own paths. Nothing of Debian 13
#            touches the host's system.
#
# qemu_select sets HPC_QEMU_SEL, HPC_QEMU_ROOT (current) and
# HPC_QEMU_COMMANDS (a file of its QMP commands and cxl-type3 properties,
# one a line: what "requires qemu NAME" is checked against).

HPC_QEMU_SEL=${HPC_QEMU_SEL:-system}
HPC_QEMU_COMMANDS=${HPC_QEMU_COMMANDS:-}
HPC_QEMU_ROOT=''
# Debian 13's QEMU: the suite, the packages, and how the root is trimmed.
HPC_QEMU_SUITE=trixie
HPC_QEMU_PKGS=qemu-system-x86
HPC_QEMU_RECIPE_VERSION=1
# what qemu_probe_commands lists (2: commands and cxl-type3 properties)
HPC_QEMU_PROBE_VERSION=2

# qemu_mirror: the Debian mirror the host itself uses (deb822 or one-line
# sources), else deb.debian.org. HPC_QEMU_MIRROR overrides.
qemu_mirror() {
	local m=${HPC_QEMU_MIRROR:-}
	if [[ -z $m ]]; then
		m=$(sed -n 's|^URIs: *\(https\?://[^ ]*/debian\)/\?\( .*\)\?$|\1|p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
		[[ -n $m ]] || m=$(sed -n 's|^deb \(\[[^]]*\] \)\?\(https\?://[^ ]*/debian\)/\? .*|\2|p' /etc/apt/sources.list 2>/dev/null | head -n 1)
	fi
	[[ $m =~ ^https?://[A-Za-z0-9.:/_~%-]+$ ]] || m=http://deb.debian.org/debian
	printf '%s\n' "$m"
}

# qemu_current_dir: the cache entry of the current QEMU's root.
qemu_current_dir() {
	printf '%s/qemu/current-%s\n' "$HPC_CACHE" \
		"$(hash_inputs "$HPC_QEMU_SUITE" "$HPC_QEMU_PKGS" "$(qemu_mirror)" "recipe $HPC_QEMU_RECIPE_VERSION")"
}

# qemu_apt DIR ARGS...: apt-get on Debian 13's package lists in DIR/apt,
# apart from the host's apt: its own sources, lists, status (empty: all of
# the QEMU's dependencies are fetched) and archives; signatures checked
# with the host's keyring. Needs no root.
qemu_apt() {
	local a=$1/apt
	shift
	apt-get -q -o Dir::Etc::sourcelist="$a/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::Etc::preferencesparts="$a/prefs.d" -o Dir::State::Lists="$a/lists" \
		-o Dir::State::status="$a/status" -o Dir::Cache="$a/cache" \
		-o Dir::Cache::archives="$a/archives" -o Debug::NoLocking=1 \
		-o APT::Install-Recommends=false "$@"
}

# qemu_build_root DIR: Debian 13's QEMU and what it depends on, fetched by
# apt and unpacked (dpkg-deb -x) into DIR/root: no maintainer scripts run,
# nothing is mounted, no root needed; /bin, /lib, /lib64 and /sbin are the
# links into /usr that Debian 13 has. About 10 s and 170 MB here.
qemu_build_root() {
	local dir=$1 mirror x f
	mirror=$(qemu_mirror)
	msg "installing Debian 13's QEMU ($HPC_QEMU_PKGS from $HPC_QEMU_SUITE, $mirror) into $dir/root: about 10 s and 170 MB"
	mkdir -p "$dir"/apt/{lists/partial,archives/partial,cache,prefs.d} "$dir/root"
	printf 'deb %s %s main\n' "$mirror" "$HPC_QEMU_SUITE" >"$dir/apt/sources.list"
	: >"$dir/apt/status"
	{
		qemu_apt "$dir" update &&
			qemu_apt "$dir" install --download-only -y "$HPC_QEMU_PKGS"
	} >"$dir/apt.log" 2>&1 ||
		die 1 "apt-get for Debian 13's QEMU failed (log: $dir/apt.log): $(grep -E '^(E|W):' "$dir/apt.log" | tail -n 2 | tr '\n' ' ')"
	for f in "$dir"/apt/archives/*.deb; do
		dpkg-deb -x "$f" "$dir/root" || die 1 "dpkg-deb -x $f failed"
		dpkg-deb -f "$f" Package Version | paste -sd' ' >>"$dir/packages"
	done
	for x in bin sbin lib lib64; do
		[[ -e $dir/root/$x ]] && continue
		mkdir -p "$dir/root/usr/$x"
		ln -s "usr/$x" "$dir/root/$x"
	done
	[[ -x $dir/root/usr/bin/qemu-system-x86_64 ]] || die 1 "no qemu-system-x86_64 in the unpacked Debian 13 packages ($dir)"
	rm -rf "$dir/apt" "$dir/apt.log"
}

# qemu_probe_commands ARGV...: what "requires qemu NAME" is checked
# against, one name a line: the QEMU's QMP commands, and DEVICE.PROPERTY
# for each property of the CXL devices scenarios build with (cxl-type3:
# volatile-memdev came with QEMU 8.0).
qemu_probe_commands() {
	printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"query-commands","id":"c"}' \
		'{"execute":"device-list-properties","arguments":{"typename":"cxl-type3"},"id":"t3"}' \
		'{"execute":"quit"}' |
		timeout 60 "$@" -machine none -nodefaults -display none -qmp stdio 2>/dev/null |
		jq -r 'select(.return | type == "array") |
			if .id == "c" then .return[].name else "cxl-type3." + .return[].name end' | sort
}

# qemu_current_make DIR: build the entry (root, version, commands) into a
# temporary directory and move it into place.
qemu_current_make() {
	local dir=$1 tmp
	[[ -d $dir ]] && return 0
	tmp=$(cache_tmpdir "$(dirname "$dir")")
	qemu_build_root "$tmp"
	HPC_QEMU_ROOT=$tmp/root
	HPC_QEMU_SEL=current qemu_argv_prefix "$tmp"
	"${QEMU_PREFIX[@]}" --version | head -n 1 >"$tmp/version"
	mv -T "$tmp" "$dir"
}

# qemu_names_make FILE ARGV...: FILE, what qemu_probe_commands says of the
# QEMU ARGV starts (written aside and renamed: readers never see half).
qemu_names_make() {
	local f=$1
	shift
	[[ -s $f ]] && return 0
	qemu_probe_commands "$@" >"$f.$$" || true
	[[ -s $f.$$ ]] || { rm -f "$f.$$"; return 1; }
	mv -f "$f.$$" "$f"
}

# qemu_current_ensure: the current QEMU's root, installed when missing
# (the host package bubblewrap first). Sets HPC_QEMU_ROOT and
# HPC_QEMU_COMMANDS (the names file, made once per probe version).
qemu_current_ensure() {
	local dir
	deps_ensure current || die 1 "--qemu current needs the host package bubblewrap"
	dir=$(qemu_current_dir)
	[[ -d $dir ]] || with_lock "$HPC_CACHE/qemu.lock" qemu_current_make "$dir"
	HPC_QEMU_ROOT=$dir/root
	HPC_QEMU_COMMANDS=$dir/names.$HPC_QEMU_PROBE_VERSION
	if [[ ! -s $HPC_QEMU_COMMANDS ]]; then
		HPC_QEMU_SEL=current qemu_argv_prefix "$dir"
		with_lock "$HPC_CACHE/qemu.lock" qemu_names_make "$HPC_QEMU_COMMANDS" "${QEMU_PREFIX[@]}" ||
			die 1 "Debian 13's QEMU in $dir/root does not answer query-commands"
	fi
}

# qemu_system_commands: the host QEMU's names file, cached by its binary.
qemu_system_commands() {
	local bin f
	bin=$(command -v "$HPC_QEMU") || return 0
	bin=$(readlink -f "$bin")
	# keyed by path, size and time (not hashing 30 MB of binary on every run)
	f=$HPC_CACHE/qemu/system-$(hash_inputs "path $bin" "$(stat -c '%s %Y' "$bin")").names.$HPC_QEMU_PROBE_VERSION
	mkdir -p "$HPC_CACHE/qemu"
	# a QEMU that does not answer is the run's to find out (ERROR); its
	# scenarios that require a command are SKIP (not known)
	if [[ -s $f ]] || with_lock "$HPC_CACHE/qemu.lock" qemu_names_make "$f" "$bin"; then
		printf '%s\n' "$f"
	else
		msg "warning: $bin does not answer query-commands: what it can do is not known"
	fi
	return 0
}

# qemu_select system|current: the QEMU of this run (installed if needed).
qemu_select() {
	HPC_QEMU_SEL=$1
	case $1 in
	system) HPC_QEMU_COMMANDS=$(qemu_system_commands) ;;
	current) qemu_current_ensure ;;
	*) die 2 "--qemu: expected system or current, got '$1'" ;;
	esac
}

# qemu_argv_prefix DIR: QEMU_PREFIX, the argv that starts the selected
# QEMU with DIR (a run directory) reachable at its own path. For the
# current QEMU: bubblewrap, the root as /, the host's /dev (KVM, shared
# memory) and a private /proc and /tmp; the cache read-only (kernels,
# images), DIR writable; it dies with the conductor that spawned it and
# stays in the conductor's process group, which is killed as a whole.
qemu_argv_prefix() {
	local dir
	dir=$(readlink -f "$1")
	if [[ $HPC_QEMU_SEL != current ]]; then
		QEMU_PREFIX=("$HPC_QEMU")
		return 0
	fi
	QEMU_PREFIX=(bwrap --bind "$HPC_QEMU_ROOT" / --dev-bind /dev /dev --proc /proc --tmpfs /tmp
		--ro-bind "$HPC_CACHE" "$HPC_CACHE" --bind "$dir" "$dir" --chdir "$dir"
		--die-with-parent /usr/bin/qemu-system-x86_64)
}

# qemu_describe: one line, the selected QEMU's version and what it is.
qemu_describe() {
	local v
	if [[ $HPC_QEMU_SEL == current ]]; then
		v=$(cat "$(dirname "$HPC_QEMU_ROOT")/version" 2>/dev/null || echo "version unknown")
		printf '%s (current: Debian %s root %s)\n' "$v" "$HPC_QEMU_SUITE" "$(dirname "$HPC_QEMU_ROOT")"
	else
		backend_qemu_probe
	fi
}

# qemu_cxl_commands: the cxl-* QMP commands of the selected QEMU.
qemu_cxl_commands() {
	[[ -n $HPC_QEMU_COMMANDS && -s $HPC_QEMU_COMMANDS ]] || { echo "not known"; return 0; }
	grep -E '^cxl-[a-z-]+$' "$HPC_QEMU_COMMANDS" | paste -sd' ' | sed 's/^$/none/'
}
