#!/usr/bin/env bash
# hpchaos bisect on a real kernel git history: four commits on top of
# linux-source-6.1, one of which puts a WARN in memunmap_pages() (the PCI
# BAR provider's surprise removal calls it, so bar-surprise FAILs). The
# bisect names that commit; the user's tree (HEAD, branch, status, git
# state) is the same afterwards, also after an interrupt mid-step; and
# 'git bisect run hpchaos bisect-run' driven by git itself agrees.
#
# The history is made once in the cache (fixed authors and dates: the same
# commit ids every time, so later runs reuse the kernels built for them).
# Cost on 2 cores TCG: the first time two whole kernel builds (the user's
# tree and the bisect's clone; ccache answers most compiles after a chaos
# build), then incremental builds per step; see docs/bisect.md.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=runner/lib/common.sh
. "$T_TOP/runner/lib/common.sh"
# shellcheck source=runner/lib/deps.sh
. "$T_TOP/runner/lib/deps.sh"
# shellcheck source=runner/lib/kernel.sh
. "$T_TOP/runner/lib/kernel.sh"
set -m # job control: the interrupted bisect gets its own process group
plan 15

tree=$HPC_CACHE/check-bisect/linux
export GIT_AUTHOR_NAME=hpchaos GIT_AUTHOR_EMAIL=test@hpchaos GIT_COMMITTER_NAME=hpchaos GIT_COMMITTER_EMAIL=test@hpchaos

# commit N MESSAGE: a commit of everything changed, at a fixed time.
commit() {
	GIT_AUTHOR_DATE="2026-01-01T00:0$1:00Z" GIT_COMMITTER_DATE="2026-01-01T00:0$1:00Z" \
		git -C "$tree" commit -q -a -m "$2"
}

# history: the tree, hard-linked from the chaos source (edits replace
# files, so the source in the cache is never written through a link).
history() {
	local src
	src=$(_src_unpack)
	rm -rf "$tree"
	mkdir -p "$tree"
	(cd "$src" && find . -path ./build-hpchaos -prune -o -type d -print0 | (cd "$tree" && xargs -0 mkdir -p))
	(cd "$src" && find . -path ./build-hpchaos -prune -o ! -type d -print0 | cpio -0 -pdl --quiet "$tree" 2>/dev/null) || true
	git -C "$tree" init -q -b main .
	printf '/.hpchaos-complete\n' >>"$tree/.git/info/exclude"
	# Debian's source package ignores everything at the top level
	sed -i '/^# Debian packaging/,$d' "$tree/.gitignore"
	git -C "$tree" -c core.looseCompression=0 add -A
	commit 0 "base: linux-source-6.1"
	sed -i '1a /* hpchaos bisect test: a harmless change */' "$tree/mm/hmm.c"
	commit 1 "mm/hmm: a comment"
	# in memunmap_pages() only (its first line, 'int i;')
	sed -i '/^void memunmap_pages(struct dev_pagemap \*pgmap)$/,/^\tint i;$/ s/^\tint i;$/&\n\n\tWARN_ONCE(1, "hpchaos bisect test fault");/' "$tree/mm/memremap.c"
	[[ $(grep -c 'hpchaos bisect test fault' "$tree/mm/memremap.c") == 1 ]]
	commit 2 "mm/memremap: the fault (a WARN in memunmap_pages)"
	sed -i '1a /* hpchaos bisect test: another harmless change */' "$tree/mm/migrate_device.c"
	commit 3 "mm/migrate_device: a comment"
	git -C "$tree" tag hpchaos-good HEAD~3
	git -C "$tree" tag hpchaos-history-2 # this history's version: change it with the history
}
[[ $(git -C "$tree" tag -l hpchaos-history-2 2>/dev/null) == hpchaos-history-2 &&
	-z $(git -C "$tree" status --porcelain 2>/dev/null) ]] || history
good=$(git -C "$tree" rev-parse hpchaos-good)
fault=$(git -C "$tree" rev-parse HEAD~1)

# the user's side of the tree: what must not change
state() {
	git -C "$tree" rev-parse HEAD
	git -C "$tree" symbolic-ref HEAD
	git -C "$tree" status --porcelain
	git -C "$tree" worktree list --porcelain
	git -C "$tree" for-each-ref
	ls "$(git -C "$tree" rev-parse --git-dir)"
}
before=$(state)

# the failure to look for: bar-surprise on the tree's HEAD
hpc run --kernel "tree:$tree" --results "$T_RESULTS/target" bar-surprise
target=$(echo "$(readlink -f "$T_RESULTS/target/latest")"/*-bar-surprise)
like "$(json "$target/verdict.json" '"\(.verdict) \(.title)"')" "FAIL *memunmap_pages*" \
	"the fault's commit makes bar-surprise FAIL in memunmap_pages"

hpc bisect --tree "$tree" --good hpchaos-good --tries 2 --results "$T_RESULTS/b" "$target"
diag "$T_OUT"
is "$T_RC" 0 "bisect exits 0 (found)"
like "$T_OUT" "*first bad commit: $fault mm/memremap: the fault*" "it names the commit of the fault"
bj=$(echo "$T_RESULTS"/b/bisect-*/bisect.json)
is "$(json "$bj" '.status + " " + .first_bad.commit')" "found $fault" "bisect.json: found, the same commit"
is "$(json "$bj" '[.steps[] | .kind + ":" + .judgement] | .[0:2] | join(" ")')" "check-bad:bad check-good:good" \
	"both ends were checked first"
is "$(json "$bj" '[.steps[] | select(.commit == "'"$fault"'") | .judgement] | first')" bad "the fault's commit was judged bad"
t "the steps' tries are recorded" test "$(json "$bj" '[.steps[].tries | length] | min')" -ge 1
like "$(cat "$(dirname "$bj")/bisect.log")" "*git bisect start*git bisect bad*" "git's bisect log is kept"
is "$(state)" "$before" "the user's tree is as it was (HEAD, branch, status, refs, no worktree, no bisect state)"

# an interrupt mid-step
"${AS_AT_TERMINAL[@]}" "$T_TOP/runner/hpchaos" bisect --tree "$tree" --good "$good" --tries 2 \
	--results "$T_RESULTS/i" "$target" >"$T_TMP/int.out" 2>&1 &
pid=$!
for _ in $(seq 600); do
	[[ -n $(find "$T_RESULTS/i" -path '*/steps/*' -name 'verdict.json' 2>/dev/null) ]] && break
	sleep 0.5
done
sleep 3
kill -INT -- "-$pid" 2>/dev/null || true
rc=0
wait "$pid" || rc=$?
is "$rc" 3 "bisect interrupted mid-step: exit 3"
for _ in $(seq 100); do
	[[ $(qemu_count) == 0 ]] && break
	sleep 0.1
done
is "$(qemu_count)" 0 "no QEMU left"
is "$(state)" "$before" "the user's tree is as it was after the interrupt"
is "$(json "$(echo "$T_RESULTS"/i/bisect-*/bisect.json)" .status)" interrupted "bisect.json says interrupted"
clone=$HPC_CACHE/bisect/$(printf '%s' "$tree" | sha256sum | cut -c1-16)/linux
t "the clone in the cache is not left bisecting" test ! -e "$clone/.git/BISECT_LOG"

# git drives: its own bisect in a clone of the tree (the user's workflow)
# (a clone kept in the cache too, so that its kernels are built once)
user=$HPC_CACHE/check-bisect/user
git -C "$user" rev-parse --git-dir >/dev/null 2>&1 || { rm -rf "$user"; git clone -q "$tree" "$user"; }
git -C "$user" bisect reset >/dev/null 2>&1 || true
git -C "$user" fetch -q "$tree" main && git -C "$user" checkout -q --detach FETCH_HEAD
git -C "$user" bisect start HEAD "$good" >/dev/null
out=$(cd "$user" && git bisect run "$T_TOP/runner/hpchaos" bisect-run --tries 2 --results "$T_RESULTS/r" "$target" 2>&1) || true
like "$out" "*$fault is the first bad commit*" "git bisect run with bisect-run finds the same commit"
git -C "$user" bisect reset >/dev/null 2>&1 || true
done_testing
