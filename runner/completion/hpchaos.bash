# shellcheck shell=bash
# bash completion of hpchaos: commands, each command's options, kernel
# specs, scenario and group names (from 'hpchaos list --json'), result
# directories for repro, minimise, report, audit, attach and stop. Installed by make install; or: . runner/completion/hpchaos.bash

_hpchaos_names() {
	"${COMP_WORDS[0]}" list --json 2>/dev/null |
		jq -r '.[] | .name, .groups[]' 2>/dev/null | LC_ALL=C sort -u
}

_hpchaos() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} cmd=${COMP_WORDS[1]:-}
	local opts
	COMPREPLY=()
	if [[ $COMP_CWORD -eq 1 ]]; then
		mapfile -t COMPREPLY < <(compgen -W 'run repro bisect bisect-run minimise report audit list attach stop lint image doctor help version --help --version' -- "$cur")
		return
	fi
	# audit --json takes a file; elsewhere --json is a flag
	if [[ $cmd == audit && $prev == --json ]]; then
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
	fi
	case $prev in
	--kernel)
		mapfile -t COMPREPLY < <(compgen -W 'stock stock:6.12 chaos chaos:6.12 tree: build:' -- "$cur")
		return
		;;
	--accel)
		mapfile -t COMPREPLY < <(compgen -W 'auto tcg kvm' -- "$cur")
		return
		;;
	--backend)
		mapfile -t COMPREPLY < <(compgen -W 'qemu libvirt' -- "$cur")
		return
		;;
	--qemu)
		mapfile -t COMPREPLY < <(compgen -W 'system current' -- "$cur")
		return
		;;
	--config | --results | --tree | --html)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	--seed | --repeat | --duration | --heartbeat | --jobs | -j | --tries | --max-runs | --confirm | --host | --planted | --kmod-param | --good | --bad)
		return
		;;
	esac
	case $cmd in
	run) opts='--kernel --config --seed --repeat --duration --accel --backend --host --qemu --results --heartbeat --jobs --planted --kmod-param --symbols --keep-alive --verbose --help' ;;
	bisect) opts='--tree --good --bad --tries --config --results --help' ;;
	bisect-run) opts='--tree --tries --config --results --help' ;;
	repro) opts='--tries --kernel --config --all --symbols --accel --backend --host --qemu --results --heartbeat --verbose --help' ;;
	minimise) opts='--tries --max-runs --confirm --symbols --accel --backend --host --qemu --results --heartbeat --verbose --help' ;;
	report) opts='--help' ;;
	audit) opts='--json --html --results --help' ;;
	list) opts='--json --running --results --help' ;;
	attach | stop) opts='--help' ;;
	lint) opts='--help' ;;
	image) opts='--kernel --config --help' ;;
	doctor) opts='--kernel --qemu --json --setup-libvirt --help' ;;
	help) mapfile -t COMPREPLY < <(compgen -W 'run repro bisect bisect-run minimise report audit list attach stop lint image doctor' -- "$cur"); return ;;
	*) return ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
	elif [[ $cmd == run || $cmd == list ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_hpchaos_names) all" -- "$cur")
	else
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	fi
}
complete -F _hpchaos hpchaos
