// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-report: the run-level report writer.
 *
 *   hpc-report RUN_DIR [--interrupted] [--quiet] [--no-color]
 *   hpc-report --verdict FILE
 *   hpc-report --field FILE KEY[.KEY...]
 *   hpc-report --repro ORIG_VERDICT TRY_VERDICT...
 *   hpc-report --audit RUN_DIR [--json FILE] [--html FILE] [--quiet]
 *
 * Reads RUN_DIR/plan, RUN_DIR/run.json and RUN_DIR/<name>/verdict.json,
 * writes RUN_DIR/summary.json, junit.xml, ktap.txt and kcidb.json and prints
 * a table.
 * Formats, decisions and exit statuses: include/hpc/report.h.
 */
#include <stdio.h>

#include "hpc/report.h"

int main(int argc, char **argv)
{
	return hpc_report_main(argc, argv, stdout, stderr);
}
