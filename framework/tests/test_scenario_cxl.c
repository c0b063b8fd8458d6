// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for the CXL fault actions (lib/scenario_cxl.c): what the linter
 * takes and refuses, the QMP arguments each action sends (the argument
 * names and types of QEMU 10.0's qapi/cxl.json, as its query-qmp-schema
 * gave them), and "requires qemu COMMAND" against a list of commands.
 * Never use cmocka's skip() here: cmocka 1.1.5 prints skips as "not ok".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "hpc/scenario.h"
#include "testutil.h"

static struct hpc_scenario scn;
static char dir[64];
static char errbuf[8192];

#define HEAD "name t\ngroups g\nmachine type=q35 cxl=on cxl-fmw=4G:cxl.1\n"
/* 256M of volatile and 512M of persistent memory: DPA 0..768M */
#define DEVS \
	"object v0 memory-backend-ram size=256M\n" \
	"object m0 memory-backend-file size=512M share=on mem-path=@m0.img\n" \
	"object l0 memory-backend-file size=1M share=on mem-path=@l0.img\n" \
	"device cxl.1 pxb-cxl bus_nr=12 bus=pcie.0\n" \
	"device rp0 cxl-rp port=0 bus=cxl.1 chassis=0 slot=2\n" \
	"device rp1 cxl-rp port=1 bus=cxl.1 chassis=0 slot=3\n" \
	"device cxl0 cxl-type3 bus=rp0 volatile-memdev=v0 persistent-memdev=m0 lsa=l0\n" \
	"emit go\n"
#define REQS \
	"requires qemu cxl-inject-poison\n" \
	"requires qemu cxl-inject-uncorrectable-errors\n" \
	"requires qemu cxl-inject-correctable-error\n" \
	"requires qemu cxl-inject-general-media-event\n" \
	"requires qemu cxl-inject-dram-event\n" \
	"requires qemu cxl-inject-memory-module-event\n"

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/hpc-scenario-cxl.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(dir);
}

static int load(const char *text)
{
	return tu_scn_load(dir, "t", text, &scn, errbuf, sizeof(errbuf));
}

/* The scenario with one action line fails with want at line 13. */
static void assert_action_error(const char *action, const char *want)
{
	char text[4096], needle[512];

	snprintf(text, sizeof(text), HEAD REQS DEVS "%s\n", action);
	assert_int_equal(load(text), -1);
	snprintf(needle, sizeof(needle), "/t.scn:18: %s", want);
	if (!strstr(errbuf, needle))
		fail_msg("wanted '%s' in errors:\n%s", needle, errbuf);
}

/* The action line loads; its QMP arguments as compact JSON in want. */
static void assert_action_args(const char *action, const char *want)
{
	char text[4096];
	struct json_object *args;

	snprintf(text, sizeof(text), HEAD REQS DEVS "%s\n", action);
	if (load(text) != 0)
		fail_msg("'%s' did not load:\n%s", action, errbuf);
	assert_int_equal(scn.nactions, 1);
	args = hpc_cxl_qmp_args(&scn.actions[0]);
	assert_non_null(args);
	assert_string_equal(json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), want);
	json_object_put(args);
}

static void test_cxl_args(void **state)
{
	(void)state;
	assert_action_args("on go cxl-inject-poison cxl0 16M 4096",
			   "{\"path\":\"/machine/peripheral/cxl0\",\"start\":16777216,\"length\":4096}");
	/* the last 64 bytes of the persistent memory, after the volatile */
	assert_action_args("on go cxl-inject-poison cxl0 0x2fffffc0 64",
			   "{\"path\":\"/machine/peripheral/cxl0\",\"start\":805306304,\"length\":64}");
	assert_action_args("on go cxl-inject-uncorrectable-errors cxl0 mem-data-ecc,internal",
			   "{\"path\":\"/machine/peripheral/cxl0\",\"errors\":[{\"type\":\"mem-data-ecc\",\"header\":[]},{\"type\":\"internal\",\"header\":[]}]}");
	assert_action_args("on go every=10 count=50 cxl-inject-correctable-error cxl0 mem-data-ecc",
			   "{\"path\":\"/machine/peripheral/cxl0\",\"type\":\"mem-data-ecc\"}");
	assert_int_equal(scn.actions[0].count, 50);
	assert_action_args("on go cxl-inject-general-media-event cxl0 failure 4K descriptor=1 channel=2",
			   "{\"path\":\"/machine/peripheral/cxl0\",\"log\":\"failure\",\"dpa\":4096,\"descriptor\":1,\"channel\":2,\"flags\":0,\"type\":0,\"transaction-type\":0}");
	assert_action_args("on go cxl-inject-dram-event cxl0 informational 0 row=7 column=3",
			   "{\"path\":\"/machine/peripheral/cxl0\",\"log\":\"informational\",\"dpa\":0,\"row\":7,\"column\":3,\"flags\":0,\"descriptor\":0,\"type\":0,\"transaction-type\":0}");
	assert_action_args("on go cxl-inject-memory-module-event cxl0 warning temperature=-5 life-used=90",
			   "{\"path\":\"/machine/peripheral/cxl0\",\"log\":\"warning\",\"temperature\":-5,\"life-used\":90,"
			   "\"flags\":0,\"type\":0,\"health-status\":0,\"media-status\":0,\"additional-status\":0,"
			   "\"dirty-shutdown-count\":0,\"corrected-volatile-error-count\":0,\"corrected-persistent-error-count\":0}");
	assert_string_equal(hpc_action_kind_name(HPC_ACT_CXL_UNCOR), "cxl-inject-uncorrectable-errors");
}

static void test_cxl_refused(void **state)
{
	(void)state;
	assert_action_error("on go cxl-inject-poison cxl0 16M",
			    "expected 'cxl-inject-poison DEV START LENGTH'");
	assert_action_error("on go cxl-inject-poison rp0 0 64",
			    "cxl-inject-poison: no cxl-type3 device 'rp0' defined above");
	assert_action_error("on go cxl-inject-poison m0 0 64",
			    "cxl-inject-poison: no cxl-type3 device 'm0' defined above");
	assert_action_error("on go cxl-inject-poison cxl0 100 64",
			    "cxl-inject-poison: DPA 0x64 length 0x40: expected multiples of 64 bytes");
	assert_action_error("on go cxl-inject-poison cxl0 0x2fffffc0 128",
			    "cxl-inject-poison: DPA 0x2fffffc0 length 0x80 is outside cxl0 (0x30000000 bytes of memory)");
	assert_action_error("on go cxl-inject-poison cxl0 0 0",
			    "cxl-inject-poison: length 0: expected at least 64 bytes");
	assert_action_error("on go cxl-inject-poison cxl0 16M 0x",
			    "length '0x': expected a number of bytes");
	assert_action_error("on go cxl-inject-poison cxl0 16M 0x11111111111111111111",
			    "length '0x11111111111111111111': expected a number of bytes");
	assert_action_error("on go cxl-inject-uncorrectable-errors cxl0 mem-data-ecc,",
			    "uncorrectable error type 'mem-data-ecc,': expected a comma list");
	assert_action_error("on go cxl-inject-uncorrectable-errors cxl0 a,b",
			    "uncorrectable error type 'a': expected one of:");
	assert_action_error("on go cxl-inject-uncorrectable-errors cxl0 "
			    "internal,internal,internal,internal,internal,internal,internal,internal,internal",
			    "uncorrectable error type 'internal,internal");
	assert_action_error("on go cxl-inject-correctable-error cxl0 mem-data-ecc,physical",
			    "correctable error type 'mem-data-ecc,physical': expected one of:");
	assert_action_error("on go cxl-inject-general-media-event cxl0 loud 0",
			    "event log 'loud': expected one of: informational warning failure fatal");
	assert_action_error("on go cxl-inject-general-media-event cxl0 fatal 1G",
			    "cxl-inject-general-media-event: DPA 0x40000000 length 0x40 is outside cxl0");
	assert_action_error("on go cxl-inject-general-media-event cxl0 fatal 0 flags=256",
			    "cxl-inject-general-media-event: flags=256: expected a number 0..255");
	assert_action_error("on go cxl-inject-general-media-event cxl0 fatal 0 row=1",
			    "cxl-inject-general-media-event: 'row=1' is not a field of the record");
	assert_action_error("on go cxl-inject-dram-event cxl0 fatal 0 row=1 row=2",
			    "row given twice");
	assert_action_error("on go cxl-inject-memory-module-event cxl0 fatal temperature=40000",
			    "cxl-inject-memory-module-event: temperature=40000: expected a number -32768..32767");
	/* no QMP smuggled in through a value: the words are checked, not passed */
	assert_action_error("on go cxl-inject-correctable-error cxl0 {\"execute\":\"quit\"}",
			    "correctable error type");
}

static void test_cxl_requires(void **state)
{
	char cmds[128], reason[512];
	FILE *f;

	(void)state;
	/* an action without its requires line */
	assert_int_equal(load(HEAD DEVS "on go cxl-inject-poison cxl0 0 64\n"), -1);
	assert_non_null(strstr(errbuf, "/t.scn:12: cxl-inject-poison needs QEMU 8 or later: add 'requires qemu cxl-inject-poison'"));
	assert_int_equal(load(HEAD "requires qemu Bad_X\n" DEVS), -1);
	assert_non_null(strstr(errbuf, "/t.scn:4: requires qemu Bad_X: expected a QMP command name or DEVICE.PROPERTY (lower case, digits, '-')"));
	/* against a QEMU's commands: 7.2 has none of them */
	assert_int_equal(load(HEAD "requires qemu cxl-inject-poison\n" DEVS
			      "on go cxl-inject-poison cxl0 0 64\n"), 0);
	snprintf(cmds, sizeof(cmds), "%s/commands", dir);
	f = fopen(cmds, "w");
	assert_non_null(f);
	fputs("device_add\ndevice_del\nqom-set\n", f);
	fclose(f);
	assert_int_equal(hpc_scenario_check_qemu(&scn, cmds, reason, sizeof(reason)), 1);
	assert_non_null(strstr(reason, "QEMU lacks QMP command cxl-inject-poison (required at "));
	assert_int_equal(hpc_scenario_check_qemu(&scn, NULL, reason, sizeof(reason)), 1);
	assert_non_null(strstr(reason, "QEMU's commands are not known here"));
	f = fopen(cmds, "w");
	assert_non_null(f);
	fputs("cxl-inject-correctable-error\ncxl-inject-poison\n", f);
	fclose(f);
	assert_int_equal(hpc_scenario_check_qemu(&scn, cmds, reason, sizeof(reason)), 0);
	/* a device property: QEMU 7.2's cxl-type3 has no volatile-memdev */
	assert_int_equal(load(HEAD "requires qemu cxl-type3.volatile-memdev\n" DEVS), 0);
	assert_int_equal(hpc_scenario_check_qemu(&scn, cmds, reason, sizeof(reason)), 1);
	assert_non_null(strstr(reason, "QEMU's cxl-type3 has no property volatile-memdev (required at "));
	f = fopen(cmds, "a");
	assert_non_null(f);
	fputs("cxl-type3.volatile-memdev\n", f);
	fclose(f);
	assert_int_equal(hpc_scenario_check_qemu(&scn, cmds, reason, sizeof(reason)), 0);
	unlink(cmds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cxl_args),
		cmocka_unit_test(test_cxl_refused),
		cmocka_unit_test(test_cxl_requires),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
