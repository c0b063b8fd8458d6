#!/usr/bin/env bash
# The edit-build loop on a user's tree (tree:PATH): one edited file of mm/
# is one compile in the same build directory, ccache answers it (its own
# statistics say so), and the kernel boots.
#
# The tree is a hard-linked copy of the chaos kernel's source kept in the
# cache (the same path every make check), so after the first make check
# only the edit is built; the first one builds the whole tree, with ccache
# answering nearly every compile from the chaos build.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=runner/lib/common.sh
. "$T_TOP/runner/lib/common.sh"
# shellcheck source=runner/lib/deps.sh
. "$T_TOP/runner/lib/deps.sh"
# shellcheck source=runner/lib/kernel.sh
. "$T_TOP/runner/lib/kernel.sh"
plan 9

src=$(_src_unpack)
tree=$HPC_CACHE/check-tree/linux
edit=mm/memremap.c
# The tree: the chaos source, hard-linked (an edit replaces the file, so the
# source in the cache is never written through a link).
mkdir -p "$tree"
(cd "$src" && find . -path ./build-hpchaos -prune -o -type d -print0 | (cd "$tree" && xargs -0 mkdir -p))
(cd "$src" && find . -path ./build-hpchaos -prune -o ! -type d -print0 | cpio -0 -pdl --quiet "$tree" 2>/dev/null) || true
ln -f "$src/$edit" "$tree/$edit"
t "the test tree is the chaos source" cmp -s "$src/$edit" "$tree/$edit"

entry() { find "$HPC_CACHE/kernels" -mindepth 1 -maxdepth 1 -type d -name 'tree-*' -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2; }
hpc image --kernel "tree:$tree"
is "$T_RC" 0 "tree:PATH builds (or finds) the unedited tree's kernel"
mirror=$HPC_CACHE/trees/$(printf '%s' "$(readlink -f "$tree")" | sha256sum | cut -c1-16)/linux
build=$mirror/build-hpchaos
t "its build directory is inside the mirror in the cache" test -f "$build/vmlinux"
# A file the edit does not touch: its object must be the same one afterwards.
marker=$build/mm/mmap.o
before=$(stat -c '%i %Y' "$marker" 2>/dev/null || echo none)

# The edit: a comment with a token of this run, so the file is new to Kbuild
# (its time) and to ccache's direct mode (its text), while the preprocessed
# code is the same: ccache answers it in preprocessor mode.
sed -i "\$a /* hpchaos make check $(date +%s.%N) */" "$tree/$edit"
_ccache_env
ccache -z >/dev/null
hpc image --kernel "tree:$tree"
is "$T_RC" 0 "the edited tree builds"
diag "$(printf '%s\n' "$T_OUT" | grep -E 'kernel built|building the kernel' || true)"
log=$(entry)/build.log
n=$(grep -c -E '^  CC ' "$log" || true)
t "one edited file: fewer than 20 files compiled (compiled $n)" test "$n" -lt 20
t "the edited file was compiled" grep -q -E "^  CC +${edit%.c}\\.o\$" "$log"
is "$(stat -c '%i %Y' "$marker" 2>/dev/null || echo none)" "$before" "the build directory was reused (an untouched object is the same file)"
hits=$(ccache --print-stats 2>/dev/null | awk -F'\t' '$1 ~ /^(direct_cache_hit|preprocessed_cache_hit)$/ { s += $2 } END { print s + 0 }')
t "ccache answered the edited file (its statistics: $hits hits)" test "$hits" -ge 1

hpc run --kernel "tree:$tree" --results "$T_RESULTS" boot-idle
is "$(json "$(echo "$(latest)"/*-boot-idle/verdict.json)" .verdict 2>/dev/null || echo none)" PASS "boot-idle PASS on the edited tree's kernel"
done_testing
