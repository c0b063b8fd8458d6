#!/usr/bin/env bash
# Benchmark: the runner's own overhead on a boot.
#
# Times, N times each (default 5), on the same kernel and initramfs:
#   bare    qemu-system-x86_64 started by hand, guest boots, loads the same
#           modules, powers off (init's hpc.poweroff=1)
#   hpchaos 'hpchaos run boot-idle' from start to verdict (image cached)
# and prints the medians; boot-idle also idles 2 s in the guest, which the
# table reports separately so the overhead is what is left.
set -euo pipefail
shopt -s inherit_errexit
N=${1:-5}
HPC_TOP=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=runner/lib/common.sh
. "$HPC_TOP/runner/lib/common.sh"
# shellcheck source=runner/lib/kernel.sh
. "$HPC_TOP/runner/lib/kernel.sh"
# shellcheck source=runner/lib/image.sh
. "$HPC_TOP/runner/lib/image.sh"
# shellcheck source=runner/lib/backend-qemu.sh
. "$HPC_TOP/runner/lib/backend-qemu.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
image_ensure stock
accel=$(accel_pick auto)

now() { date +%s.%N; }
# sub A B: A - B with two decimals
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); printf "%.2f", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }

bare=() run=()
for ((i = 1; i <= N; i++)); do
	t0=$(now)
	timeout 120 "$HPC_QEMU" -accel "$accel" -nodefaults -no-user-config -display none \
		-no-reboot -M pc -m 512M -kernel "$IMG_KERNEL" -initrd "$IMG_INITRD" \
		-append "console=ttyS0,115200 panic=-1 loglevel=7 hpc.poweroff=1" \
		-serial "file:$tmp/bare.log" -device virtio-serial-pci
	grep -q 'bare boot done' "$tmp/bare.log" || die 1 "bare boot did not reach init (see $tmp/bare.log)"
	bare+=("$(sub "$(now)" "$t0")")
	t0=$(now)
	"$HPC_TOP/runner/hpchaos" run --results "$tmp/results" boot-idle >/dev/null 2>&1 ||
		die 1 "hpchaos run boot-idle failed"
	run+=("$(sub "$(now)" "$t0")")
	progress "boot-overhead: $i/$N"
done
progress_done
mb=$(printf '%s\n' "${bare[@]}" | median)
mr=$(printf '%s\n' "${run[@]}" | median)
printf 'boot-overhead (%s, %d runs, kernel %s)\n' "$accel" "$N" "$IMG_RELEASE"
printf '  bare qemu boot to init + poweroff   median %6.2f s   (%s)\n' "$mb" "${bare[*]}"
printf '  hpchaos run boot-idle to verdict    median %6.2f s   (%s)\n' "$mr" "${run[*]}"
printf '  of which guest steps (sleep 2)              2.00 s\n'
printf '  runner overhead (run - bare - steps)       %6.2f s\n' "$(sub "$(sub "$mr" "$mb")" 2)"
