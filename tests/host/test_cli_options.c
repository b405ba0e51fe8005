/* test_cli_options.c - dfu-flash's command line: every dfu-util 0.11 option,
 * every -s modifier, the -d and -S forms, dfu-flash's own options, long
 * options shortened as getopt_long allows, dfu-util's last-mode-wins and
 * number bases, and bad command lines that must end with exit 64 and a
 * sentence. */
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
	assert_int_equal(parse(&o, "-v", "-v", "-E", "7", "-d", "0483:df11", "-n", "12", "-p",
			       "1-1.2", "-c", "1", "-i", "0", "-a", "3", "-S", "ABC", "-t", "1024",
			       "-U", "out.bin", "-Z", "4096", "-R", "-w", "-s", "0x08000000:4096",
			       NULL), 0);
	assert_int_equal(o.verbose, 2);
	assert_true(o.reset && o.wait);
	assert_int_equal(o.detach_delay_s, 7);
	assert_int_equal(o.rt_vid, 0x0483);
	assert_int_equal(o.rt_pid, 0xdf11);
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
	assert_int_equal(parse(&o, "-e", NULL), 0);
	assert_true(o.detach);
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
	assert_int_equal(cli_parse_dfuse_spec("0x100000000", &s, msg, sizeof(msg)), CLI_EXIT_USAGE);
}

static void test_device_forms_follow_dfu_util(void **st)
{
	struct cli_opts o;
	(void)st;
	cli_opts_default(&o);
	/* one pair: the run-time device's IDs; any device in DFU mode */
	assert_int_equal(cli_parse_device("0483:df11", &o, msg, sizeof(msg)), 0);
	assert_int_equal(o.rt_vid, 0x0483);
	assert_int_equal(o.rt_pid, 0xdf11);
	assert_int_equal(o.dfu_vid, CLI_ID_ANY);
	assert_int_equal(o.dfu_pid, CLI_ID_ANY);
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
	assert_int_equal(o.rt_vid, CLI_ID_NONE);
	assert_int_equal(o.rt_pid, CLI_ID_NONE);
	assert_int_equal(o.dfu_vid, 0x0483);
	assert_int_equal(o.dfu_pid, 0xdf11);
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
	assert_int_equal(parse(&o, "-t", "big", "-l", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "-t \"big\" is not a transfer size in bytes (0-2147483647)");
	assert_int_equal(parse(&o, "-n", "300", "-l", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "-i", "x", "-l", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "-E", "-1", "-l", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "-c", "0x1z", "-l", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "-c \"0x1z\" is not a configuration value (0-255)");
	assert_int_equal(parse(&o, "-n", "0x5", "-l", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "--poll", "sometimes", "-l", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "--set-option", "RDP", "-l", NULL), CLI_EXIT_USAGE);
	assert_non_null(strstr(msg, "NAME=VALUE"));
	assert_int_equal(parse(&o, "--list=yes", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "--list takes no value (\"--list=yes\")");
	assert_int_equal(parse(&o, "--li=yes", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "--list takes no value (\"--li=yes\")");
	assert_int_equal(parse(&o, "--fix-empty-check", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "--sim", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "--sim needs a value (SPEC)");
	assert_int_equal(parse(&o, "-l", "--down", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "--download needs a value");
	assert_int_equal(parse(&o, "-vx", "-l", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "unknown option \"-x\"; dfu-flash -h lists the options");
	assert_int_equal(parse(&o, "--frob=1", "-l", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "unknown option \"--frob\"; dfu-flash -h lists the options");
	/* after --, every argument is a file dfu-flash did not ask for */
	assert_int_equal(parse(&o, "-l", "--", "-D", NULL), CLI_EXIT_USAGE);
	assert_non_null(strstr(msg, "unexpected argument \"-D\""));
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

static void test_empty_s_modifiers_are_skipped_as_dfu_util_does(void **st)
{
	struct cli_dfuse_spec s;
	struct cli_opts o;
	(void)st;
	/* what "-s ${ADDR}:${MODS}" gives when MODS is empty */
	assert_int_equal(cli_parse_dfuse_spec("0x08000000:", &s, msg, sizeof(msg)), 0);
	assert_true(s.given && s.have_address);
	assert_int_equal(s.address, 0x08000000);
	assert_false(s.leave || s.force || s.have_length);
	assert_int_equal(cli_parse_dfuse_spec("::leave", &s, msg, sizeof(msg)), 0);
	assert_false(s.have_address);
	assert_true(s.leave);
	assert_int_equal(cli_parse_dfuse_spec("0x08000000::leave::0x400:", &s, msg, sizeof(msg)), 0);
	assert_true(s.leave && s.have_length);
	assert_int_equal(s.length, 0x400);
	assert_int_equal(cli_parse_dfuse_spec(":", &s, msg, sizeof(msg)), 0);
	assert_true(s.given);
	assert_false(s.have_address || s.leave);
	assert_int_equal(parse(&o, "-s", "0x08000000:", "-D", "fw.bin", NULL), 0);
	assert_int_equal(o.s.address, 0x08000000);
	/* a modifier too long to be one is still named */
	assert_int_equal(cli_parse_dfuse_spec("0x08000000:leaveleaveleaveleaveleaveleaveleaveleave"
					      "leaveleaveleaveleave", &s, msg, sizeof(msg)),
			 CLI_EXIT_USAGE);
	assert_non_null(strstr(msg, "is not a modifier"));
}

static void test_long_options_may_be_shortened_to_a_prefix_that_names_one_option(void **st)
{
	struct cli_opts o;
	(void)st;
	assert_int_equal(parse(&o, "--down", "fw.bin", "--dfuse-addr", "0x08000000:leave",
			       "--al=0", "--inte", "0", "--conf", "1", "--devi", "0483:df11", NULL), 0);
	assert_string_equal(o.download, "fw.bin");
	assert_true(o.s.leave && o.s.have_address);
	assert_int_equal(o.alt, 0);
	assert_int_equal(o.intf, 0);
	assert_int_equal(o.cfg, 1);
	assert_int_equal(o.rt_pid, 0xdf11);
	assert_int_equal(parse(&o, "--upload-s", "16", "--upload", "u.bin", "--detach-", "2",
			       NULL), 0);
	assert_int_equal(o.upload_size, 16);
	assert_string_equal(o.upload, "u.bin");
	assert_int_equal(o.detach_delay_s, 2);
	/* dfu-flash's own options and the transports' rows shorten too */
	assert_int_equal(parse(&o, "--transc", "t.txt", "--no-v", "--rel", "--ret=50", "--si",
			       "stm32l412xb", NULL), 0);
	assert_string_equal(o.transcript, "t.txt");
	assert_true(o.no_verify && o.reload_ob);
	assert_int_equal(o.reenum_timeout_ms, 50);
	assert_string_equal(cli_xport_at((size_t)o.xport)->option, "--sim");
	assert_int_equal(parse(&o, "--us", "127.0.0.1", "-l", NULL), 0);
	assert_string_equal(cli_xport_at((size_t)o.xport)->option, "--usbip");
}

static void test_an_ambiguous_prefix_is_refused_naming_every_candidate(void **st)
{
	struct cli_opts o;
	(void)st;
	assert_int_equal(parse(&o, "--de", "x", "-l", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "\"--de\" is ambiguous: it could be --detach, --detach-delay, "
				 "--device, --devnum; write more of the name");
	assert_int_equal(parse(&o, "--v", "-l", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "\"--v\" is ambiguous: it could be --version, --verbose; write "
				 "more of the name");
	assert_int_equal(parse(&o, "--u=x", "-l", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "\"--u\" is ambiguous: it could be --upload, --upload-size, "
				 "--usbip; write more of the name");
	assert_int_equal(parse(&o, "--j", "-l", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "\"--j\" is ambiguous: it could be --json, --jobs; write more of "
				 "the name");
}

static void test_a_prefix_dfu_util_reads_as_one_of_its_options_keeps_that_meaning(void **st)
{
	struct cli_opts o;
	(void)st;
	/* --reload-option-bytes and --return-timeout start with "re" too */
	assert_int_equal(parse(&o, "--re", NULL), 0);
	assert_true(o.reset);
	assert_false(o.reload_ob);
	assert_int_equal(o.reenum_timeout_ms, 0);
	/* --transcript, --show-options, --set-option, --sim, --poll,
	 * --progress, --all, --i-really-... share these prefixes */
	assert_int_equal(parse(&o, "--tr", "64", "--s", "ABC", "--p", "1-2", "--a", "2", "--i",
			       "1", "-l", NULL), 0);
	assert_int_equal(o.transfer_size, 64);
	assert_null(o.transcript);
	assert_string_equal(o.serial_rt, "ABC");
	assert_int_equal(o.xport, -1);
	assert_string_equal(o.path, "1-2");
	assert_int_equal(o.alt, 2);
	assert_false(o.all);
	assert_int_equal(o.intf, 1);
	assert_false(o.rdp2_ok);
	/* with its value attached, and with none given */
	assert_int_equal(parse(&o, "--tr=0x100", "-l", NULL), 0);
	assert_int_equal(o.transfer_size, 256);
	assert_int_equal(parse(&o, "-l", "--tr", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "--transfer-size needs a value");
	assert_int_equal(parse(&o, "--re=1", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "--reset takes no value (\"--re=1\")");
}

static void test_the_rdp_level_2_permission_is_never_read_from_a_prefix(void **st)
{
	struct cli_opts o;
	(void)st;
	assert_int_equal(parse(&o, "--i-really", "--set-option", "RDP=2", NULL), CLI_EXIT_USAGE);
	assert_false(o.rdp2_ok);
	assert_string_equal(msg, "\"--i-really\": write "
				 "--i-really-want-rdp-level-2-and-lose-the-bootloader in full; it "
				 "allows an irreversible change");
	assert_int_equal(parse(&o, "--i-really-want-rdp-level-2-and-lose-the-bootloader",
			       "--set-option", "RDP=2", NULL), 0);
	assert_true(o.rdp2_ok);
}

static void test_wait_takes_no_value_but_accepts_dfu_util_0_11s_wait_equals_form(void **st)
{
	struct cli_opts o;
	(void)st;
	/* dfu-util 0.11 would take -D as --wait's value */
	assert_int_equal(parse(&o, "--wait", "-D", "fw.bin", NULL), 0);
	assert_true(o.wait);
	assert_string_equal(o.download, "fw.bin");
	assert_int_equal(parse(&o, "--wait=1", "-l", NULL), 0);
	assert_true(o.wait && o.list);
	assert_int_equal(parse(&o, "--wa", "-l", NULL), 0);
	assert_true(o.wait);
	assert_int_equal(parse(&o, "--wait", "1", "-l", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "unexpected argument \"1\" after --wait, which takes no value; "
				 "write -w, or --wait=1 as dfu-util 0.11 accepts it");
}

static void test_the_last_of_l_e_V_D_U_says_what_to_do_as_in_dfu_util(void **st)
{
	struct cli_opts o;
	(void)st;
	assert_int_equal(parse(&o, "-l", "-D", "fw.bin", NULL), 0);
	assert_false(o.list);
	assert_string_equal(o.download, "fw.bin");
	assert_int_equal(parse(&o, "-D", "fw.bin", "-l", NULL), 0);
	assert_true(o.list);
	assert_null(o.download);
	/* -e before -D: the download detaches a run-time device anyway */
	assert_int_equal(parse(&o, "-e", "-D", "fw.bin", NULL), 0);
	assert_false(o.detach);
	assert_string_equal(o.download, "fw.bin");
	assert_int_equal(parse(&o, "-U", "u.bin", "-e", NULL), 0);
	assert_true(o.detach);
	assert_null(o.upload);
	assert_int_equal(parse(&o, "-V", "-l", NULL), 0);
	assert_false(o.version);
	assert_true(o.list);
	assert_int_equal(parse(&o, "-D", "fw.bin", "-V", NULL), 0);
	assert_true(o.version);
	assert_null(o.download);
	/* the last -D names the file, as in dfu-util */
	assert_int_equal(parse(&o, "-D", "a.bin", "-D", "b.bin", NULL), 0);
	assert_string_equal(o.download, "b.bin");
}

static void test_download_with_upload_is_refused_naming_both_files(void **st)
{
	struct cli_opts o;
	(void)st;
	/* dfu-util 0.11 would flash a.bin without the copy -U asked for */
	assert_int_equal(parse(&o, "-U", "b.bin", "-D", "a.bin", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "-D a.bin and -U b.bin both given; dfu-util 0.11 would do only "
				 "the last one. Run twice: -U b.bin first to keep a copy, then "
				 "-D a.bin");
	assert_int_equal(parse(&o, "-D", "a.bin", "-U", "b.bin", NULL), CLI_EXIT_USAGE);
	/* a later -l wins over both, and neither file is touched */
	assert_int_equal(parse(&o, "-D", "a.bin", "-U", "b.bin", "-l", NULL), 0);
	assert_true(o.list);
	assert_null(o.download);
	assert_null(o.upload);
}

static void test_numbers_read_like_dfu_util_and_t_0_is_the_devices_transfer_size(void **st)
{
	struct cli_opts o;
	(void)st;
	assert_int_equal(parse(&o, "-c", "0x1", "-i", "010", "-E", "0x10", "-t", "0", "-l",
			       NULL), 0);
	assert_int_equal(o.cfg, 1);
	assert_int_equal(o.intf, 8);
	assert_int_equal(o.detach_delay_s, 16);
	assert_int_equal(o.transfer_size, 0);
	/* -n is decimal, as dfu-util's atoi reads it */
	assert_int_equal(parse(&o, "-n", "010", "-l", NULL), 0);
	assert_int_equal(o.devnum, 10);
	/* past the 16-bit wTransferSize: its largest; the session clamps to
	 * what one control transfer may carry and says so */
	assert_int_equal(parse(&o, "-t", "100000", "-l", NULL), 0);
	assert_int_equal(o.transfer_size, 0xFFFF);
	assert_int_equal(parse(&o, "-t", "4097", "-l", NULL), 0);
	assert_int_equal(o.transfer_size, 4097);
	assert_int_equal(parse(&o, "-t", "2147483648", "-l", NULL), CLI_EXIT_USAGE);
	/* dfu-util: -Z 0 expects no particular size */
	assert_int_equal(parse(&o, "-Z", "0", "-U", "u.bin", NULL), 0);
	assert_int_equal(o.upload_size, -1);
	assert_int_equal(parse(&o, "-Z", "0x10", "-U", "u.bin", NULL), 0);
	assert_int_equal(o.upload_size, 16);
}

static void test_n_0_matches_no_device(void **st)
{
	struct cli_opts o;
	(void)st;
	assert_int_equal(parse(&o, "-l", NULL), 0);
	assert_int_equal(o.devnum, 0); /* any */
	assert_int_equal(parse(&o, "-n", "0", "-l", NULL), 0);
	assert_int_equal(o.devnum, CLI_ID_NONE);
	assert_int_equal(parse(&o, "-n", "128", "-l", NULL), CLI_EXIT_USAGE);
	assert_string_equal(msg, "-n \"128\" is not a USB device number (1-127, as -l shows it; "
				 "0 matches none)");
}

static void test_z_without_u_and_an_s_length_with_d_are_ignored_as_dfu_util_does(void **st)
{
	struct cli_opts o;
	(void)st;
	assert_int_equal(parse(&o, "-Z", "10", "-D", "fw.bin", NULL), 0);
	assert_string_equal(o.download, "fw.bin");
	assert_int_equal(parse(&o, "-s", "0x08000000:100", "-D", "fw.bin", NULL), 0);
	assert_true(o.s.have_length);
	assert_string_equal(o.download, "fw.bin");
}

static void test_h_answers_at_once_and_options_after_a_file_are_still_read(void **st)
{
	struct cli_opts o;
	(void)st;
	/* getopt_long reads every option before it looks at the rest */
	assert_int_equal(parse(&o, "fw.bin", "-h", NULL), 0);
	assert_true(o.help);
	/* -h stops the reading: what follows is not looked at */
	assert_int_equal(parse(&o, "-h", "--frobnicate", NULL), 0);
	assert_true(o.help);
	assert_int_equal(parse(&o, "--frobnicate", "-h", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "fw.bin", "-l", NULL), CLI_EXIT_USAGE);
	assert_non_null(strstr(msg, "unexpected argument \"fw.bin\""));
}

static void test_parsing_again_after_an_error_inside_a_cluster_starts_afresh(void **st)
{
	struct cli_opts o;
	(void)st;
	/* the error leaves getopt in the middle of "-xv" */
	assert_int_equal(parse(&o, "-xv", "-l", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "-l", NULL), 0);
	assert_true(o.list);
	assert_int_equal(o.verbose, 0);
	assert_int_equal(parse(&o, "--tr", NULL), CLI_EXIT_USAGE);
	assert_int_equal(parse(&o, "-vvl", NULL), 0);
	assert_int_equal(o.verbose, 2);
}

static void test_the_callers_argv_keeps_its_order(void **st)
{
	char *argv[] = { (char *)"dfu-flash", (char *)"extra", (char *)"-l", (char *)"-a",
			 (char *)"0", NULL };
	struct cli_opts o;
	(void)st;
	cli_opts_default(&o);
	assert_int_equal(cli_parse(&o, 5, argv, NULL, msg, sizeof(msg)), CLI_EXIT_USAGE);
	assert_string_equal(argv[1], "extra");
	assert_string_equal(argv[2], "-l");
	assert_string_equal(argv[3], "-a");
	assert_string_equal(argv[4], "0");
	assert_null(argv[5]);
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
		cmocka_unit_test(test_empty_s_modifiers_are_skipped_as_dfu_util_does),
		cmocka_unit_test(test_long_options_may_be_shortened_to_a_prefix_that_names_one_option),
		cmocka_unit_test(test_an_ambiguous_prefix_is_refused_naming_every_candidate),
		cmocka_unit_test(
			test_a_prefix_dfu_util_reads_as_one_of_its_options_keeps_that_meaning),
		cmocka_unit_test(test_the_rdp_level_2_permission_is_never_read_from_a_prefix),
		cmocka_unit_test(test_wait_takes_no_value_but_accepts_dfu_util_0_11s_wait_equals_form),
		cmocka_unit_test(test_the_last_of_l_e_V_D_U_says_what_to_do_as_in_dfu_util),
		cmocka_unit_test(test_download_with_upload_is_refused_naming_both_files),
		cmocka_unit_test(
			test_numbers_read_like_dfu_util_and_t_0_is_the_devices_transfer_size),
		cmocka_unit_test(test_n_0_matches_no_device),
		cmocka_unit_test(test_z_without_u_and_an_s_length_with_d_are_ignored_as_dfu_util_does),
		cmocka_unit_test(test_h_answers_at_once_and_options_after_a_file_are_still_read),
		cmocka_unit_test(test_parsing_again_after_an_error_inside_a_cluster_starts_afresh),
		cmocka_unit_test(test_the_callers_argv_keeps_its_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
