# hpchaos: top-level targets.
#
#   make             build the framework (host tools, guest programs)
#   make run         install what is missing, build, boot guests, run the
#                    default suite (SUITE=quick), print the verdict table
#   make check       the whole test suite (unit + integration), TAP via prove
#   make fuzz        every libFuzzer harness for FUZZ_SECONDS (default 60) each
#   make install     install into $(DESTDIR)$(PREFIX)
#   make clean       remove build products (the cache is left alone)

PREFIX  ?= /usr/local
SUITE   ?= quick
KERNEL  ?= stock
HPCHAOS := runner/hpchaos
SHELL   := /bin/bash

.PHONY: man clean-cache all framework deps deps-check run check check-long check-tree unit fuzz shellcheck bench bench-detect bench-boot install clean

all: framework

framework:
	$(MAKE) -C framework

# Install host packages that are missing (as root), or say which.
deps:
	@bash -c '. runner/lib/common.sh; . runner/lib/deps.sh; deps_ensure run'

deps-check:
	@bash -c '. runner/lib/common.sh; . runner/lib/deps.sh; deps_ensure check'

run: deps
	$(MAKE) framework
	$(HPCHAOS) run --kernel $(KERNEL) $(SUITE)

# The test suite: unit tests (sanitized) and integration tests that boot
# real guests. Closing lines come from prove. Two chains run side by side
# (prove -j 2), each in order: the chaos kernel's tests (one debug guest at a
# time), then a few stock ones that do not time anything; and everything
# else, the heavy runs first and the timing-sensitive ones (40, 45, 47, 70)
# last, when the other chain is about done. Both guest images are built
# before, so that no kernel build competes with guests.
comma := ,
empty :=
space := $(empty) $(empty)
CHECK_CHAIN1 := runner/tests/60-chaos.t runner/tests/61-chaos-config.t runner/tests/62-tree-build.t runner/tests/63-prebuilt.t \
	       runner/tests/50-reports.t runner/tests/30-hostile.t runner/tests/75-repro.t
CHECK_LAST  := runner/tests/40-interrupt.t runner/tests/45-concurrent.t \
	       runner/tests/47-parallel.t runner/tests/70-schedule.t
CHECK_FIRST := runner/tests/10-smoke.t runner/tests/48-libvirt.t
CHECK_STOCK := $(CHECK_FIRST) $(filter-out $(CHECK_CHAIN1) $(CHECK_LAST) $(CHECK_FIRST),\
	       $(sort $(wildcard runner/tests/*.t))) $(CHECK_LAST)
check: deps-check
	$(MAKE) framework
	$(MAKE) -C framework tests
	$(MAKE) -C framework SAN=1 tools
	$(MAKE) -C framework fuzzers
	$(HPCHAOS) image >/dev/null
	$(HPCHAOS) image --kernel chaos >/dev/null
	st=$$(mktemp -d) && rc=0 && HPC_CHECK_STATE=$$st CMOCKA_MESSAGE_OUTPUT=TAP \
		prove -j 2 --rules='seq={$(subst $(space),$(comma),$(strip $(CHECK_CHAIN1)))}' --rules='seq=**' --exec '' --timer \
		$(CHECK_CHAIN1) framework/build-san/tests/test_* $(CHECK_STOCK) || rc=$$?; \
	rm -rf "$$st"; exit $$rc

# Longer checks, not in make check: a user-tree kernel build (tree:PATH,
# left unchanged; a full kernel build), the kernel's hmm-tests, alone and
# under a dimm unplug, and a libvirt host reached through qemu+ssh:// and
# lost mid-run (chaos/ssh.t). check-tree runs only the first.
check-long: deps-check
	$(MAKE) framework
	$(MAKE) -C framework SAN=1 tools
	prove --exec '' --timer runner/tests/chaos/*.t

check-tree: deps-check
	$(MAKE) framework
	$(MAKE) -C framework SAN=1 tools
	prove --exec '' --timer runner/tests/chaos/tree.t

unit: deps-check
	$(MAKE) -C framework tests
	CMOCKA_MESSAGE_OUTPUT=TAP prove --exec '' framework/build-san/tests/test_*

# Fuzzing (docs/internals.md, "Fuzzing"): each harness for FUZZ_SECONDS, with
# ASan+UBSan, leak detection and a per-input timeout; a table of executions,
# corpus size and result. Fails on a crash, leak, hang or out-of-memory and
# leaves the reproducer in framework/build-fuzz/artifacts/NAME/.
FUZZ_SECONDS ?= 60
fuzz: deps-check
	$(MAKE) -C framework fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

shellcheck:
	shellcheck -x runner/hpchaos runner/lib/*.sh runner/completion/*.bash runner/tests/*.t runner/tests/lib.sh runner/tests/chaos/*.t runner/bench/*.sh runner/tools/*.sh framework/fuzz/run.sh guest-images/init .ci/run

# Benchmarks: performance figures live here, not in timed tests. build.sh:
# the kernel loop (cold build with empty caches, a user's tree, no change,
# one file of mm/ to a boot-idle verdict; bench/results/build.json);
# boot-overhead.sh: the runner's cost on a boot.
bench: deps framework
	runner/bench/build.sh
	runner/bench/boot-overhead.sh
	runner/bench/cycles.sh

# Planted bugs: each variant of the module against the scenario meant to
# catch it (runner/bench/detect.table); matrix to bench/results/detect.json.
# SEEDS=N runs each row with N seeds.
bench-detect: deps framework
	runner/bench/detect.sh --seeds $(or $(SEEDS),1)

# Early-boot stalls on a loaded host: N boots (default 20) of a kernel
# (default chaos) beside CPU hogs at nice 19; counts stalls.
bench-boot: deps framework
	runner/bench/boot-stall.sh $(or $(N),20) $(or $(KERNEL_BENCH),chaos)

install: framework man
	install -d $(DESTDIR)$(PREFIX)/lib/hpchaos $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 framework/build/man/hpchaos.1 $(DESTDIR)$(PREFIX)/share/man/man1/hpchaos.1
	install -m 644 runner/completion/hpchaos.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/hpchaos
	cp -r runner scenarios guest-images kmod docs $(DESTDIR)$(PREFIX)/lib/hpchaos/
	install -d $(DESTDIR)$(PREFIX)/lib/hpchaos/framework/build
	cp -r framework/build/bin framework/build/guest $(DESTDIR)$(PREFIX)/lib/hpchaos/framework/build/
	ln -sf ../lib/hpchaos/runner/hpchaos $(DESTDIR)$(PREFIX)/bin/hpchaos

clean:
	$(MAKE) -C framework clean
	rm -rf results

# The cache (kernels, images, sources, ccache) is only removed when asked,
# and says what it removes.

clean-cache:
	@d=$(if $(HPC_CACHE),$(HPC_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/hpchaos); \
	if [ -d "$$d" ]; then echo "removing the hpchaos cache $$d ($$(du -sh "$$d" | cut -f1))"; rm -rf "$$d"; \
	else echo "no hpchaos cache at $$d"; fi

# The manual page, from docs/man/hpchaos.1.scd with scdoc (a host package:
# make deps installs it).
man: framework/build/man/hpchaos.1
framework/build/man/hpchaos.1: docs/man/hpchaos.1.scd
	@command -v scdoc >/dev/null || { echo "make man: scdoc is missing (apt-get install scdoc, or make deps)" >&2; exit 2; }
	@mkdir -p $(dir $@)
	scdoc <$< >$@.tmp && mv $@.tmp $@
