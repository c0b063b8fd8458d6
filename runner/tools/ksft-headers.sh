#!/usr/bin/env bash
# ksft-headers.sh: print the directory holding the kernel's kselftest harness
# headers (kselftest_harness.h, kselftest.h) taken from Debian's kernel
# source package, getting them into the cache first if needed (ksft_headers
# in runner/lib/kernel.sh). The guest tests (hpc-mirror-test) are built on
# them: the top-level 'make framework' passes this as KSFT_INC.
set -euo pipefail
# shellcheck source=runner/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=runner/lib/kernel.sh
. "$HPC_TOP/runner/lib/kernel.sh"
with_lock "$HPC_CACHE/ksft.lock" ksft_headers
