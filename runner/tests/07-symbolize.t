#!/usr/bin/env bash
# hpc-symbolize on the host, no guest: a result directory whose report's
# frames live in a "vmlinux" and a module ".ko" compiled here with debug
# info (a relocatable object, as a .ko is), laid out as our builds lay them
# out (an O= build beside the tree, the module's src/ directory). The
# chaos-kernel version of this, on a real KASAN report, is in 50-reports.t.
# shellcheck source=runner/tests/lib.sh
. "$(dirname "$0")/lib.sh"

plan 24

bin=${HPC_BIN:-$T_TOP/framework/build/bin}
sym=$bin/hpc-symbolize
w=$T_TMP/sym
mkdir -p "$w/tree/mm" "$w/tree/build" "$w/kmod/src" "$w/mods/extra" "$w/res"

# the "kernel": built from tree/build, its paths are build/../mm/memory.c
cat >"$w/tree/mm/memory.c" <<'EOF'
int vfs_fake_inner(int x);
int vfs_fake_inner(int x) { return x * 7; }
int vfs_fake_write(int x);
int vfs_fake_write(int x) { return vfs_fake_inner(x) + 1; }
EOF
(cd "$w/tree/build" && cc -g -O0 -o vmlinux -nostdlib -Wl,-e,vfs_fake_write -static ../mm/memory.c)
# the "module"
# two functions at offset 0 of two sections (as gcc puts unlikely code in
# .text.unlikely): an address means something only with its section
cat >"$w/kmod/src/hpchaos_fake.c" <<'EOF'
int fake_uaf(int x);
int fake_uaf(int x) { return x + 3; }
int fake_cold(int x) __attribute__((section(".text.unlikely")));

int fake_cold(int x) { return x - 3; }
EOF
(cd "$w/kmod/src" && cc -g -O0 -c -o "$w/mods/extra/hpchaos_fake.ko" hpchaos_fake.c)

res=$w/res
cat >"$res/console.log" <<'EOF'
[    1.000000][    T1] booting
[    2.000000][    T1] BUG: KASAN: use-after-free in fake_uaf+0x1/0x20 [hpchaos_fake]
[    2.000000][    T1] Call Trace:
[    2.000000][    T1]  <TASK>
[    2.000000][    T1]  fake_uaf+0x1/0x20 [hpchaos_fake]
[    2.000000][    T1]  ? not_in_vmlinux+0x5/0x10
[    2.000000][    T1]  vfs_fake_write+0x1/0x40
[    2.000000][    T1]  helper+0x1/0x10 [not_a_module_here]
[    2.000000][    T1]  fake_cold+0x1/0x10 [hpchaos_fake]
[    2.000000][    T1]  no_such_fn+0x1/0x10 [hpchaos_fake]
[    2.000000][    T1]  </TASK>
[    2.000000][    T1] ==================================================================
[    2.000000][    T1]  vfs_fake_inner+0x1/0x10
EOF
cat >"$res/verdict.json" <<'EOF'
{ "verdict": "FAIL", "class": "KASAN", "reports": [
  { "class": "KASAN", "title": "KASAN: use-after-free in fake_uaf", "console_line": 2 },
  { "class": "WARN", "title": "no console line" } ],
  "stuck": { "step": "s", "function": "fake_cold", "pid": 7, "tasks": [
    { "pid": 7, "state": "D", "stack": [ "fake_cold+0x1/0x10 [hpchaos_fake]", "vfs_fake_inner+0x1/0x10", "not a frame" ] } ] } }
EOF
chmod 600 "$res"/*

out=$("$sym" --dir "$res" --vmlinux "$w/tree/build/vmlinux" --modules "$w/mods" 2>&1) && rc=0 || rc=$?
is "$rc" 0 "hpc-symbolize exits 0"
like "$out" "*2 reports, 1 stuck tasks, 8 frames, 5 with a source line*" "its summary counts frames and resolved ones"
v=$res/verdict.json
is "$(jq -r '.reports[0].frames | length' "$v")" 6 "the report has the 6 frames of its block, none past its end"
is "$(jq -r '.reports[0].frames[0] | "\(.symbol) \(.offset) \(.module) \(.reliable) \(.console_line)"' "$v")" \
	"fake_uaf 0x1 hpchaos_fake true 5" "frame 0: symbol, offset, module, reliable, console line"
is "$(jq -r '.reports[0].frames[0] | "\(.function) \(.file):\(.line)"' "$v")" \
	"fake_uaf kmod/hpchaos_fake.c:2" "a module frame: our module's file, relative to the repository"
is "$(jq -r '.reports[0].frames[2] | "\(.function) \(.file):\(.line)"' "$v")" \
	"vfs_fake_write mm/memory.c:4" "a kernel frame: the path relative to the tree, not the O= directory"
is "$(jq -r '.reports[0].frames[1] | "\(.reliable) \(has("file"))"' "$v")" "false false" \
	"a '? ' frame is unreliable; a symbol the kernel lacks has no file"
is "$(jq -r '.reports[0].frames[3] | "\(.module) \(has("file"))"' "$v")" "not_a_module_here false" \
	"a module that is not there: its frame stays unresolved"
is "$(jq -r '.reports[0].frames[4] | "\(.function) \(.file):\(.line)"' "$v")" \
	"fake_cold kmod/hpchaos_fake.c:5" "a function in .text.unlikely, at the same offset as one in .text: its own line"
is "$(jq -r '.reports[0].frames[5] | has("file")' "$v")" false \
	"a symbol the module lacks: unresolved (addr2line answers it with what is at address 0)"
is "$(jq -r '.stuck.tasks[0].frames | map("\(.symbol) \(.file):\(.line) \(has("console_line"))") | join(", ")' "$v")" \
	"fake_cold kmod/hpchaos_fake.c:5 false, vfs_fake_inner mm/memory.c:2 false" \
	"a stuck task's stack (verdict.json stuck) gets its frames, with no console line"
is "$(jq -r '.reports[1] | has("frames")' "$v")" true "a report without a console line gets an empty frame list"
is "$(jq -r '.reports[1].frames | length' "$v")" 0 "(empty)"
is "$(jq -r '.verdict, .reports[0].title' "$v" | paste -sd' ')" "FAIL KASAN: use-after-free in fake_uaf" \
	"the verdict and the titles are untouched"
a=$res/console.symbolized.log
like "$(sed -n 5p "$a")" "*fake_uaf+0x1/0x20 [[]hpchaos_fake] kmod/hpchaos_fake.c:2" "the annotated console: a frame line gets its file:line"
is "$(sed -n 2p "$a")" "$(sed -n 2p "$res/console.log")" "a line that is not a frame is copied as it is"
is "$(wc -l <"$a")" "$(wc -l <"$res/console.log")" "the annotated console has the console's lines"

cp "$v" "$T_TMP/first.json"
"$sym" --dir "$res" --vmlinux "$w/tree/build/vmlinux" --modules "$w/mods" 2>/dev/null
t "run again, the same verdict.json (frames replaced, not added)" cmp -s "$v" "$T_TMP/first.json"

out=$("$sym" --dir "$res" --vmlinux "$w/nonexistent" 2>&1) && rc=0 || rc=$?
like "$rc $out" "0 *warning: *nonexistent*" "no vmlinux: a warning, exit 0, the verdict stays"
is "$(jq -r '.reports[0].frames[2] | has("file")' "$v")" false "and the kernel frame is unresolved"

out=$("$sym" --dir "$res" --modules "$w/mods" 2>&1) && rc=0 || rc=$?
is "$rc" 0 "without --vmlinux (a stock kernel without --symbols): exit 0"
is "$(jq -r '.reports[0].frames[0].file, (.reports[0].frames[2] | has("file"))' "$v" | paste -sd" ")" "kmod/hpchaos_fake.c false" \
	"and the module's frames resolve, the kernel's do not"

out=$("$sym" --dir "$w/nonexistent" --vmlinux "$w/tree/build/vmlinux" 2>&1) && rc=0 || rc=$?
like "$rc $out" "2 *nonexistent/verdict.json*" "no verdict.json: exit 2 naming the file"
out=$("$sym" --vmlinux x 2>&1) && rc=0 || rc=$?
like "$rc $out" "2 usage: hpc-symbolize*" "no --dir: usage, exit 2"
