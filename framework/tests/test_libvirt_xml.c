// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for the libvirt domain XML of a scenario (lib/libvirt_xml.c), on
 * the suite's own scenario files: which memory devices become libvirt
 * models, what goes through <qemu:commandline>, file paths, escaping.
 * Never use cmocka's skip() here: cmocka 1.1.5 prints skips as "not ok".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hpc/libvirt_xml.h"

#define SCENARIOS FIXTURES_DIR "/../../../scenarios/"

static struct hpc_scenario scn;
static char *xml;

static void load(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s%s", SCENARIOS, rel);
	assert_int_equal(hpc_scenario_load(path, &scn, stderr, 20), 0);
}

static void domain(const char *append)
{
	struct hpc_lv_opts o = {
		.name = "hpchaos-t", .kernel = "/k/vmlinuz", .initrd = "/k/initrd",
		.append = append, .files = "/run/d/",
	};
	char err[256] = "";
	size_t len = 0;
	FILE *f;

	free(xml);
	xml = NULL;
	f = open_memstream(&xml, &len);
	assert_non_null(f);
	assert_int_equal(hpc_lv_domain_xml(&scn, &o, f, err, sizeof(err)), 0);
	fclose(f);
}

static void has(const char *needle)
{
	if (!strstr(xml, needle))
		fail_msg("wanted '%s' in:\n%s", needle, xml);
}

static void lacks(const char *needle)
{
	if (strstr(xml, needle))
		fail_msg("did not want '%s' in:\n%s", needle, xml);
}

static const struct hpc_device *dev(const char *id)
{
	const struct hpc_device *d = hpc_scenario_device(&scn, id);

	assert_non_null(d);
	return d;
}

static void test_hotplug_dimm_is_a_model(void **state)
{
	char buf[1024];

	(void)state;
	load("smoke/dimm-hotplug.scn");
	domain("console=ttyS0");
	has("<maxMemory slots='2' unit='KiB'>2097152</maxMemory>");
	has("<cell id='0' cpus='0-0' memory='524288' unit='KiB'/>");
	has("<features><acpi/></features>");
	/* plugged later by device_add: not in the domain, nor its backend */
	lacks("ua-dimm1");
	lacks("mem-dimm1");
	assert_true(hpc_lv_is_model(&scn, dev("dimm1")));
	assert_int_equal(hpc_lv_memory_xml(&scn, dev("dimm1"), "/run/d/", 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "<memory model='dimm'><alias name='ua-dimm1'/><target>"
			    "<size unit='KiB'>262144</size><node>0</node></target></memory>");
	/* too small a buffer is an error, not a cut */
	assert_int_equal(hpc_lv_memory_xml(&scn, dev("dimm1"), "/run/d/", 0, buf, 40), -1);
	/* an object is never a model */
	assert_false(hpc_lv_is_model(&scn, dev("mem-dimm1")));
}

static void test_nvdimm_model_with_file(void **state)
{
	(void)state;
	load("provider/devdax-unbind.scn");
	domain("console=ttyS0");
	has("<memory model='nvdimm' access='shared'><alias name='ua-nvd0'/>"
	    "<source><path>/run/d/nv0.img</path></source>");
	/* libvirt makes the backend: the scenario's object is not passed too */
	lacks("id=nv0,");
}

static void test_node1_goes_through_qemu(void **state)
{
	(void)state;
	load("unplug/virtio-mem-shrink.scn");
	domain("console=ttyS0");
	assert_false(hpc_lv_is_model(&scn, dev("vm0")));	/* node=1 */
	has("<qemu:arg value='node,nodeid=1'/>");
	has("<qemu:arg value='virtio-mem-pci,id=vm0,memdev=vmem0,node=1");
	has("<qemu:arg value='memory-backend-ram,id=vmem0,size=512M'/>");
	/* the QEMU backend's node-0 backend is libvirt's cell now */
	lacks("hpc-node0");
	lacks("model='virtio-mem'");
}

static void test_cxl_through_commandline(void **state)
{
	(void)state;
	load("unplug/cxl-devdax-unplug.scn");
	domain("console=ttyS0");
	has("machine='q35'");
	has("<qemu:arg value='-machine'/>\n    <qemu:arg value='cxl=on,cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G'/>");
	has("mem-path=/run/d/cxl-mem0.img");
	has("<qemu:arg value='cxl-type3,id=cxl0,bus=rp0,memdev=cxl-mem0,lsa=cxl-lsa0'/>");
	/* no hotplug slots: no maxMemory, no NUMA cell */
	lacks("maxMemory");
	lacks("<numa>");
}

static void test_escaping(void **state)
{
	(void)state;
	load("smoke/boot-idle.scn");
	domain("a<b & c='d'");
	has("<cmdline>a&lt;b &amp; c=&apos;d&apos;</cmdline>");
}

static int teardown(void **state)
{
	(void)state;
	free(xml);
	xml = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hotplug_dimm_is_a_model),
		cmocka_unit_test(test_nvdimm_model_with_file),
		cmocka_unit_test(test_node1_goes_through_qemu),
		cmocka_unit_test(test_cxl_through_commandline),
		cmocka_unit_test(test_escaping),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
