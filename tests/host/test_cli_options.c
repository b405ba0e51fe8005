/* test_cli_options.c - dfu-flash's command line: every dfu-util 0.11 option,
 * every -s modifier, the -d and -S forms, dfu-flash's own options, and bad
 * command lines that must end with exit 64 and a sentence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host/cli.h"

static char msg[512];

/* A transport row a layer above the flasher registers (the lab's --sim
 * looks like this): the parser must treat it as its own. Never opened
 * here. */
static int never_open(const char *arg, struct cli_xport_inst *out, char *m, size_t cap)
{
	(void)arg;
	(void)out;
	snprintf(m, cap, "not in this test");
	return DFU_E_UNSUPPORTED;
}
static void never_close(struct cli_xport_inst *inst)
{
	(void)inst;
}
static const struct cli_xport_kind test_sim = {
	"--sim", "DFU_FLASH_SIM", "SPEC", "a registered transport", never_open, never_close,
	NULL, false,
};

/* Parse a NULL-terminated list of arguments after "dfu-flash". */
static int parse_v(struct cli_opts *o, const char *const *env, va_list ap)
{
	char *argv[64];
	int argc = 0;
	const char *a;

	argv[argc++] = (char *)"dfu-flash";
	while ((a = va_arg(ap, const char *)) != NULL && argc < 63)
		argv[argc++] = (char *)a;
	argv[argc] = NULL;
	cli_opts_default(o);
	return cli_parse(o, argc, argv, env, msg, sizeof(msg));
}

static int parse(struct cli_opts *o, ...)
{
	va_list ap;
	int rc;
	va_start(ap, o);
	rc = parse_v(o, NULL, ap);
	va_end(ap);
	return rc;
}

static int parse_env(struct cli_opts *o, const char *const *env, ...)
{
	va_list ap;
	int rc;
	va_start(ap, env);
	rc = parse_v(o, env, ap);
	va_end(ap);
	return rc;
}

static void test_the_seed_command_line_parses_to_what_dfu_util_means(void **st)
{
	struct cli_opts o;
	(void)st;
	assert_int_equal(parse(&o, "-a", "0", "-i", "0", "-s", "0x08000000:mass-erase:force:leave",
			       "-R", "-D", "firmware.bin", NULL), 0);
	assert_int_equal(o.alt, 0);
	assert_null(o.alt_name);
	assert_int_equal(o.intf, 0);
	assert_true(o.s.given && o.s.have_address);
	assert_int_equal(o.s.address, 0x08000000);
	assert_true(o.s.mass_erase && o.s.leave);
	assert_int_equal(o.s.force, 1);
	assert_false(o.s.unprotect || o.s.will_reset || o.s.have_length);
	assert_true(o.reset);
	assert_string_equal(o.download, "firmware.bin");
}

static void test_every_short_option_is_accepted(void **st)
{
	struct cli_opts o;
	(void)st;
	assert_int_equal(parse(&o, "-v", "-v", "-e", "-E", "7", "-d", "0483:df11", "-n", "12", "-p",
			       "1-1.2", "-c", "1", "-i", "0", "-a", "3", "-S", "ABC", "-t", "1024",
			       "-U", "out.bin", "-Z", "4096", "-R", "-w", "-s", "0x08000000:4096",
			       NULL), 0);
	assert_int_equal(o.verbose, 2);
	assert_true(o.detach && o.reset && o.wait);
	assert_int_equal(o.detach_delay_s, 7);
	assert_int_equal(o.rt_vid, 0x0483);
	assert_int_equal(o.dfu_pid, 0xdf11);
	assert_int_equal(o.devnum, 12);
	assert_string_equal(o.path, "1-1.2");
	assert_int_equal(o.cfg, 1);
	assert_int_equal(o.alt, 3);
	assert_string_equal(o.serial_rt, "ABC");
	assert_string_equal(o.serial_dfu, "ABC");
	assert_int_equal(o.transfer_size, 1024);
	assert_string_equal(o.upload, "out.bin");
	assert_int_equal(o.upload_size, 4096);
	assert_true(o.s.have_length);
	assert_int_equal(o.s.length, 4096);
	assert_int_equal(parse(&o, "-h", NULL), 0);
	assert_true(o.help);
	assert_int_equal(parse(&o, "-V", NULL), 0);
	assert_true(o.version);
	assert_int_equal(parse(&o, "-l", NULL), 0);
	assert_true(o.list);
}

static void test_long_options_match_the_short_ones(void **st)
{
	struct cli_opts o;
	(void)st;
	assert_int_equal(parse(&o, "--alt=1", "--intf", "0", "--device", "0483:df11",
			       "--serial=XYZ", "--path", "2-3", "--devnum", "5", "--cfg", "1",
			       "--transfer-size", "0x800", "--dfuse-address", ":leave", "--reset",
			       "--verbose", "--detach-delay", "1", "--wait", NULL), 0);
	assert_int_equal(o.alt, 1);
	assert_int_equal(o.transfer_size, 2048);
	assert_true(o.s.leave && !o.s.have_address);
	assert_string_equal(o.serial_dfu, "XYZ");
	assert_int_equal(parse(&o, "--configuration", "2", "--interface", "1", "--altsetting",
			       "2", "--download", "x.bin", "-s", "0", NULL), 0);
	assert_int_equal(o.cfg, 2);
	assert_int_equal(o.intf, 1);
	assert_int_equal(o.alt, 2);
	assert_true(o.s.have_address);
	assert_int_equal(o.s.address, 0);
	assert_int_equal(parse(&o, "--upload", "u.bin", "--upload-size", "10", NULL), 0);
	assert_int_equal(parse(&o, "--list", "--help", "--version", "--detach", NULL), 0);
}

static void test_short_options_cluster_and_take_attached_values(void **st)
{
	struct cli_opts o;
	(void)st;
	assert_int_equal(parse(&o, "-vvR", "-a0", "-s0x08000000:leave", "-Dfw.bin", NULL), 0);
	assert_int_equal(o.verbose, 2);
	assert_true(o.reset);
	assert_int_equal(o.alt, 0);
	assert_string_equal(o.download, "fw.bin");
	assert_true(o.s.leave);
}

static void test_alt_is_a_number_when_it_parses_whole_and_a_name_otherwise(void **st)
{
	struct cli_opts o;
	(void)st;
	assert_int_equal(parse(&o, "-a", "0x1", "-s", ":leave", NULL), 0);
	assert_int_equal(o.alt, 1);
	assert_int_equal(parse(&o, "-a", "@Option Bytes  /0x1FFF7800/01*040 e", "-s", ":leave",
			       NULL), 0);
	assert_int_equal(o.alt, -1);
	assert_string_equal(o.alt_name, "@Option Bytes  /0x1FFF7800/01*040 e");
	assert_int_equal(parse(&o, "-a", "1x", "-s", ":leave", NULL), 0);
	assert_string_equal(o.alt_name, "1x");
}

static void test_every_s_modifier_is_recognised_with_prefixes(void **st)
{
	struct cli_dfuse_spec s;
	(void)st;
	assert_int_equal(cli_parse_dfuse_spec("0x08000000:force:leave:unprotect:mass-erase:"
					      "will-reset:1024", &s, msg, sizeof(msg)), 0);
	assert_true(s.leave && s.unprotect && s.mass_erase && s.will_reset && s.have_length);
	assert_int_equal(s.force, 1);
	assert_int_equal(s.length, 1024);
	/* dfu-util matches a prefix of the keyword */
	assert_int_equal(cli_parse_dfuse_spec("0x08000000:f:l:m:w:0x400", &s, msg, sizeof(msg)),
			 0);
	assert_true(s.leave && s.mass_erase && s.will_reset);
	assert_int_equal(s.force, 1);
	assert_int_equal(s.length, 0x400);
	assert_int_equal(cli_parse_dfuse_spec("0x08000000:fo:force:unp", &s, msg, sizeof(msg)), 0);
	assert_int_equal(s.force, 2);
	assert_true(s.unprotect);
	assert_int_equal(cli_parse_dfuse_spec(":leave", &s, msg, sizeof(msg)), 0);
	assert_false(s.have_address);
	assert_int_equal(cli_parse_dfuse_spec("0", &s, msg, sizeof(msg)), 0);
	assert_true(s.have_address);
	assert_int_equal(cli_parse_dfuse_spec("134217728", &s, msg, sizeof(msg)), 0);
	assert_int_equal(s.address, 0x08000000);
}

static void test_mass_erase_and_unprotect_without_force_are_usage_errors(void **st)
{
	struct cli_dfuse_spec s;
	(void)st;
	assert_int_equal(cli_parse_dfuse_spec("0x08000000:mass-erase", &s, msg, sizeof(msg)),
			 CLI_EXIT_USAGE);
	assert_non_null(strstr(msg, "needs force"));
	assert_int_equal(cli_parse_dfuse_spec(":unprotect", &s, msg, sizeof(msg)), CLI_EXIT_USAGE);
	assert_non_null(strstr(msg, "force"));
}

static void test_bad_s_strings_name_the_bad_part(void **st)
{
	struct cli_dfuse_spec s;
	(void)st;
	assert_int_equal(cli_parse_dfuse_spec("0x0800zz00:leave", &s, msg, sizeof(msg)),
			 CLI_EXIT_USAGE);
	assert_non_null(strstr(msg, "0x0800zz00"));
	assert_int_equal(cli_parse_dfuse_spec("0x08000000:lave", &s, msg, sizeof(msg)),
			 CLI_EXIT_USAGE);
	assert_non_null(strstr(msg, "\"lave\""));
	assert_int_equal(cli_parse_dfuse_spec("0x08000000::leave", &s, msg, sizeof(msg)),
			 CLI_EXIT_USAGE);
	assert_int_equal(cli_parse_dfuse_spec("0x100000000", &s, msg, sizeof(msg)), CLI_EXIT_USAGE);
}

static void test_device_forms_follow_dfu_util(void **st)
{
	struct cli_opts o;
	(void)st;
	cli_opts_default(&o);
	assert_int_equal(cli_parse_device("0483:df11", &o, msg, sizeof(msg)), 0);
	assert_int_equal(o.rt_vid, 0x0483);
	assert_int_equal(o.rt_pid, 0xdf11);
	assert_int_equal(o.dfu_vid, 0x0483);
	assert_int_equal(o.dfu_pid, 0xdf11);
	assert_int_equal(cli_parse_device("1234:5678,0483:df11", &o, msg, sizeof(msg)), 0);
	assert_int_equal(o.rt_vid, 0x1234);
	assert_int_equal(o.dfu_vid, 0x0483);
	assert_int_equal(o.dfu_pid, 0xdf11);
	/* DFU-mode parts left out take the run-time values */
	assert_int_equal(cli_parse_device("1234:5678,:abcd", &o, msg, sizeof(msg)), 0);
	assert_int_equal(o.dfu_vid, 0x1234);
	assert_int_equal(o.dfu_pid, 0xabcd);
	assert_int_equal(cli_parse_device("1234:5678,", &o, msg, sizeof(msg)), 0);
	assert_int_equal(o.dfu_vid, 0x1234);
	assert_int_equal(o.dfu_pid, 0x5678);
	/* a leading comma: DFU-mode IDs only */
	assert_int_equal(cli_parse_device(",0483:df11", &o, msg, sizeof(msg)), 0);
	assert_int_equal(o.rt_vid, CLI_ID_ANY);
	assert_int_equal(o.dfu_vid, 0x0483);
	/* * any, - none, empty parts any */
	assert_int_equal(cli_parse_device("*:-", &o, msg, sizeof(msg)), 0);
	assert_int_equal(o.rt_vid, CLI_ID_ANY);
	assert_int_equal(o.rt_pid, CLI_ID_NONE);
	assert_int_equal(cli_parse_device(":df11", &o, msg, sizeof(msg)), 0);
	assert_int_equal(o.rt_vid, CLI_ID_ANY);
	assert_int_equal(o.rt_pid, 0xdf11);
	assert_int_equal(cli_parse_device("0483", &o, msg, sizeof(msg)), 0);
	assert_int_equal(o.rt_vid, 0x0483);
	assert_int_equal(o.rt_pid, CLI_ID_ANY);
	assert_int_equal(cli_parse_device("0483:xyz", &o, msg, sizeof(msg)), CLI_EXIT_USAGE);
	assert_non_null(strstr(msg, "0483:xyz"));
	assert_int_equal(cli_parse_device("1:2,3:4,5:6", &o, msg, sizeof(msg)), CLI_EXIT_USAGE);
	assert_int_equal(cli_parse_device("12345:1", &o, msg, sizeof(msg)), CLI_EXIT_USAGE);
}

static void test_serial_forms_follow_dfu_util(void **st)
{
	struct cli_opts o;
	(void)st;
	cli_opts_default(&o);
	assert_int_equal(cli_parse_serial("AAA,BBB", &o, msg, sizeof(msg)), 0);
	assert_string_equal(o.serial_rt, "AAA");
	assert_string_equal(o.serial_dfu, "BBB");
	assert_int_equal(cli_parse_serial(",BBB", &o, msg, sizeof(msg)), 0);
	assert_string_equal(o.serial_rt, "");
	assert_string_equal(o.serial_dfu, "BBB");
	assert_int_equal(cli_parse_serial("AAA,", &o, msg, sizeof(msg)), 0);
	assert_string_equal(o.serial_dfu, "");
	assert_int_equal(cli_parse_serial("CCC", &o, msg, sizeof(msg)), 0);
	assert_string_equal(o.serial_dfu, "CCC");
}

static void test_dfu_flash_options_parse(void **st)
{
	struct cli_opts o;
	(void)st;
	assert_int_equal(parse(&o, "--reload-option-bytes", "--show-options", "--set-option",
			       "BOR_LEV=2", "--set-option=nSWBOOT0=0",
			       "--i-really-want-rdp-level-2-and-lose-the-bootloader", "--no-verify",
			       "--poll", "clamp=50", "--json", "--all", "--progress", "--quiet",
			       "--return-timeout", "500", "--transcript", "t.txt", "--sim",
			       "stm32l412xb", NULL), 0);
	assert_true(o.reload_ob && o.show_options && o.rdp2_ok && o.no_verify && o.json &&
		    o.all && o.progress && o.quiet);
	assert_int_equal(o.nset_options, 2);
	assert_string_equal(o.set_option[1], "nSWBOOT0=0");
	assert_int_equal(o.poll, CLI_POLL_CLAMP);
	assert_int_equal(o.poll_clamp_ms, 50);
	assert_int_equal(o.reenum_timeout_ms, 500);
	assert_string_equal(o.transcript, "t.txt");
	assert_true(o.xport > 0);
	assert_string_equal(cli_xport_at((size_t)o.xport)->option, "--sim");
	assert_string_equal(o.xport_arg, "stm32l412xb");
	assert_int_equal(parse(&o, "--poll", "honour", "-s", ":leave", "--fix-empty-check", NULL), 0);
	assert_int_equal(o.poll, CLI_POLL_HONOUR);
	assert_true(o.fix_empty_check);
}

static void test_jobs_limits_all_and_all_refuses_one_upload_file_for_many_devices(void **st)
{
	struct cli_opts o;
	(void)st;
	assert_int_equal(parse(&o, "--all", "--jobs", "2", "-D", "fw.bin", NULL), 0);
	assert_true(o.all);
	assert_int_equal(o.jobs, 2);
	assert_int_equal(parse(&o, "--all", "-D", "fw.bin", NULL), 0);
	assert_int_equal(o.jobs, 0);
	assert_int_equal(parse(&o, "--all", "--jobs", "0", "-D", "fw.bin", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "--jobs 0: at least one device at a time (without --jobs, every "
				 "device at once)");
	assert_int_equal(parse(&o, "--all", "--jobs", "17", "-D", "fw.bin", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "--jobs", "2", "-D", "fw.bin", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "--jobs 2 without --all: it limits how many devices --all "
				 "flashes at once");
	assert_int_equal(parse(&o, "--all", "-U", "up.bin", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "--all with -U up.bin would read every device into that one "
				 "file; upload one device at a time (-p PATH or -S SERIAL)");
}

static void test_the_transport_can_come_from_the_environment(void **st)
{
	static const char *const env[] = { "HOME=/root", "DFU_FLASH_SIM=stm32l412xb,count=2",
					   NULL };
	struct cli_opts o;
	(void)st;
	assert_int_equal(parse_env(&o, env, "-l", NULL), 0);
	assert_true(o.xport > 0);
	assert_string_equal(o.xport_arg, "stm32l412xb,count=2");
	/* the command line wins */
	assert_int_equal(parse_env(&o, env, "-l", "--sim", "stm32l432kc", NULL), 0);
	assert_string_equal(o.xport_arg, "stm32l432kc");
}

static void test_bad_command_lines_are_usage_errors_with_a_reason(void **st)
{
	struct cli_opts o;
	(void)st;
	assert_int_equal(parse(&o, NULL), CLI_EXIT_USAGE);
	assert_non_null(strstr(msg, "nothing to do"));
	assert_int_equal(parse(&o, "-x", NULL), CLI_EXIT_USAGE);
	assert_non_null(strstr(msg, "-x"));
	assert_int_equal(parse(&o, "--frobnicate", NULL), CLI_EXIT_USAGE);
	assert_non_null(strstr(msg, "--frobnicate"));
	assert_int_equal(parse(&o, "-D", NULL), CLI_EXIT_USAGE);
	assert_non_null(strstr(msg, "-D needs a value"));
	assert_int_equal(parse(&o, "-a", "0", "firmware.bin", NULL), CLI_EXIT_USAGE);
	assert_non_null(strstr(msg, "firmware.bin"));
	assert_int_equal(parse(&o, "-D", "a", "-U", "b", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "-t", "0", "-l", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "-t", "big", "-l", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "-n", "300", "-l", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "-i", "x", "-l", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "-E", "-1", "-l", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "-Z", "10", "-D", "x", NULL), CLI_EXIT_USAGE);
	assert_non_null(strstr(msg, "-U"));
	assert_int_equal(parse(&o, "-s", "0x08000000:100", "-D", "x", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "--poll", "sometimes", "-l", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "--set-option", "RDP", "-l", NULL), CLI_EXIT_USAGE);
	assert_non_null(strstr(msg, "NAME=VALUE"));
	assert_int_equal(parse(&o, "--list=yes", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "--fix-empty-check", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "--sim", NULL), CLI_EXIT_USAGE);
}

static void test_a_layer_above_registers_transports_between_the_default_and_the_built_ins(
	void **st)
{
	static const struct cli_xport_kind dup = {
		"--usbip", NULL, "X", "a second --usbip", never_open, never_close, NULL, false,
	};
	static const struct cli_xport_kind bad = {
		"sim", NULL, "X", "no leading --", never_open, never_close, NULL, false,
	};
	(void)st;
	assert_int_equal(cli_xport_count(), 3);
	assert_null(cli_xport_at(0)->option);		/* libusb, the default */
	assert_ptr_equal(cli_xport_at(1), &test_sim);	/* registered in main() */
	assert_string_equal(cli_xport_at(2)->option, "--usbip");
	assert_null(cli_xport_at(3));
	assert_int_equal(cli_xport_register(&test_sim), 0);	/* again: harmless */
	assert_int_equal(cli_xport_register(&dup), DFU_E_AMBIGUOUS);
	assert_int_equal(cli_xport_register(&bad), DFU_E_INVAL);
	assert_int_equal(cli_xport_register(NULL), DFU_E_INVAL);
	assert_int_equal(cli_xport_count(), 3);
}

int main(void)
{
	if (cli_xport_register(&test_sim) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_a_layer_above_registers_transports_between_the_default_and_the_built_ins),
		cmocka_unit_test(test_the_seed_command_line_parses_to_what_dfu_util_means),
		cmocka_unit_test(test_every_short_option_is_accepted),
		cmocka_unit_test(test_long_options_match_the_short_ones),
		cmocka_unit_test(test_short_options_cluster_and_take_attached_values),
		cmocka_unit_test(test_alt_is_a_number_when_it_parses_whole_and_a_name_otherwise),
		cmocka_unit_test(test_every_s_modifier_is_recognised_with_prefixes),
		cmocka_unit_test(test_mass_erase_and_unprotect_without_force_are_usage_errors),
		cmocka_unit_test(test_bad_s_strings_name_the_bad_part),
		cmocka_unit_test(test_device_forms_follow_dfu_util),
		cmocka_unit_test(test_serial_forms_follow_dfu_util),
		cmocka_unit_test(test_dfu_flash_options_parse),
		cmocka_unit_test(test_jobs_limits_all_and_all_refuses_one_upload_file_for_many_devices),
		cmocka_unit_test(test_the_transport_can_come_from_the_environment),
		cmocka_unit_test(test_bad_command_lines_are_usage_errors_with_a_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
