/* test_board_spec.c - the board specification grammar: the defaults, every
 * key and value, every error naming the key, the value and what is
 * accepted (in each front end's syntax), the checks that a key fits the
 * chip, the quirk table, the help text, and the list form agreeing with
 * the key-by-key form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dfu/error.h"
#include "sim/board_spec.h"

static char msg[1024];

static void set_ok(struct sim_board_spec *s, const char *key, const char *value)
{
	int rc = sim_board_spec_set(s, key, value, msg, sizeof(msg));

	if (rc != 0)
		fail_msg("%s %s: %d %s", key, value, rc, msg);
}

/* The key fails with a sentence holding every needle. */
static void set_bad(enum sim_board_spec_form form, const char *key, const char *value,
		    const char *n1, const char *n2)
{
	struct sim_board_spec s;
	int rc;

	sim_board_spec_init(&s);
	s.form = form;
	msg[0] = 0;
	rc = sim_board_spec_set(&s, key, value, msg, sizeof(msg));
	if (rc != DFU_E_USAGE || !strstr(msg, n1) || (n2 && !strstr(msg, n2)))
		fail_msg("%s %s gave %d \"%s\"; expected DFU_E_USAGE with \"%s\"/\"%s\"", key,
			 value ? value : "(null)", rc, msg, n1, n2 ? n2 : "");
}

static void parse_ok(struct sim_board_spec *s, const char *text)
{
	int rc = sim_board_spec_parse(s, text, msg, sizeof(msg));

	if (rc != 0)
		fail_msg("\"%s\": %d %s", text, rc, msg);
}

static void parse_bad(const char *text, const char *n1, const char *n2)
{
	struct sim_board_spec s;
	int rc;

	msg[0] = 0;
	rc = sim_board_spec_parse(&s, text, msg, sizeof(msg));
	if (rc != DFU_E_USAGE || !strstr(msg, n1) || (n2 && !strstr(msg, n2)))
		fail_msg("\"%s\" gave %d \"%s\"; expected DFU_E_USAGE with \"%s\"/\"%s\"", text, rc,
			 msg, n1, n2 ? n2 : "");
}

static void test_defaults_are_one_virgin_stm32l412xb_with_instant_timing(void **state)
{
	struct sim_board_spec s;
	struct sim_board_config got, want;
	(void)state;
	sim_board_spec_init(&s);
	assert_int_equal(s.kind, SIM_BOARD_KIND_L4);
	assert_string_equal(sim_board_spec_chip_name(&s), "stm32l412xb");
	assert_int_equal(s.count, 1);
	assert_false(s.boot0);
	assert_int_equal(s.timing, SIM_TIMING_INSTANT);
	assert_false(s.leave_set);
	assert_false(s.ob_reset_set);
	assert_int_equal(s.app, SIM_APP_SILENT);
	assert_int_equal(s.quirks, 0);
	assert_string_equal(s.image, "");
	assert_int_equal(s.nserials, 0);
	assert_int_equal(sim_board_spec_check(&s, msg, sizeof(msg)), 0);
	/* Board 1 of the defaults is the board sim_board_config_default makes. */
	sim_board_spec_board_config(&s, 1, &got);
	sim_board_config_default(&want, l4_profile_find("stm32l412xb"), 1);
	assert_memory_equal(&got, &want, sizeof(got));
}

static void same_dfu11(const struct sim_dfu11_config *a, const struct sim_dfu11_config *b)
{
	assert_int_equal(a->vid, b->vid);
	assert_int_equal(a->pid_dfu, b->pid_dfu);
	assert_int_equal(a->pid_app, b->pid_app);
	assert_string_equal(a->serial, b->serial);
	assert_int_equal(a->mem_size, b->mem_size);
	assert_int_equal(a->transfer_size, b->transfer_size);
	assert_int_equal(a->max_packet0, b->max_packet0);
	assert_int_equal(a->manifest_tolerant, b->manifest_tolerant);
	assert_int_equal(a->will_detach, b->will_detach);
	assert_int_equal(a->can_upload, b->can_upload);
	assert_int_equal(a->start_in_app, b->start_in_app);
	assert_int_equal(a->block_us, b->block_us);
	assert_int_equal(a->manifest_us, b->manifest_us);
}

static void test_dfu11_defaults_are_the_devices_own(void **state)
{
	struct sim_board_spec s;
	struct sim_dfu11_config got, want;
	(void)state;
	parse_ok(&s, "dfu11");
	assert_int_equal(s.kind, SIM_BOARD_KIND_DFU11);
	assert_null(s.profile);
	assert_string_equal(sim_board_spec_chip_name(&s), "dfu11");
	sim_board_spec_dfu11_config(&s, 2, &got);
	sim_dfu11_config_default(&want, 2);
	assert_string_equal(got.serial, "DFU11-0002");
	same_dfu11(&got, &want);
}

static void test_every_stm32_key_reaches_the_board_config(void **state)
{
	struct sim_board_spec s;
	struct sim_board_config c;
	(void)state;
	sim_board_spec_init(&s);
	set_ok(&s, "chip", "STM32L432KC");
	set_ok(&s, "count", "3");
	set_ok(&s, "boot0", "1");
	set_ok(&s, "timing", "datasheet");
	set_ok(&s, "leave", "jump");
	set_ok(&s, "ob-reset", "system");
	set_ok(&s, "app", "dfu-runtime");
	set_ok(&s, "quirk", "erase-stall");
	set_ok(&s, "quirk", "XFER-1024");
	set_ok(&s, "serial", "FIRST");
	set_ok(&s, "serial", "SECOND");
	set_ok(&s, "image", "fw.bin@0x08001000");
	assert_int_equal(sim_board_spec_check(&s, msg, sizeof(msg)), 0);
	assert_string_equal(s.profile->name, "stm32l432kc");
	assert_int_equal(s.count, 3);
	assert_string_equal(s.image, "fw.bin");
	assert_true(s.image_addr_set);
	assert_int_equal(s.image_addr, 0x08001000u);
	sim_board_spec_board_config(&s, 1, &c);
	assert_ptr_equal(c.profile, s.profile);
	assert_true(c.boot0);
	assert_int_equal(c.timing, SIM_TIMING_DATASHEET);
	assert_int_equal(c.leave, L4_LEAVE_JUMP);
	assert_int_equal(c.ob_reset, L4_OB_RESET_SYSTEM);
	assert_int_equal(c.app, SIM_APP_DFU_RUNTIME);
	assert_int_equal(c.quirks, SIM_QUIRK_ERASE_STALL | SIM_QUIRK_XFER_1024);
	assert_string_equal(c.serial, "SECOND");
	/* The third board has no serial of its own: it derives one from its UID. */
	sim_board_spec_board_config(&s, 2, &c);
	assert_null(c.serial);
	/* The other values of each key. */
	set_ok(&s, "boot0", "0");
	set_ok(&s, "timing", "instant");
	set_ok(&s, "leave", "reset");
	set_ok(&s, "ob-reset", "option-load");
	set_ok(&s, "app", "silent");
	set_ok(&s, "image", "plain.dfu");
	sim_board_spec_board_config(&s, 0, &c);
	assert_false(c.boot0);
	assert_int_equal(c.timing, SIM_TIMING_INSTANT);
	assert_int_equal(c.leave, L4_LEAVE_RESET);
	assert_int_equal(c.ob_reset, L4_OB_RESET_OPTION_LOAD);
	assert_int_equal(c.app, SIM_APP_SILENT);
	assert_string_equal(s.image, "plain.dfu");
	assert_false(s.image_addr_set);
	/* --sim's older spellings. */
	set_ok(&s, "app", "runtime");
	assert_int_equal(s.app, SIM_APP_DFU_RUNTIME);
	set_ok(&s, "serial", "shared");
	assert_true(s.quirks & SIM_QUIRK_SHARED_SERIAL);
	assert_int_equal(s.nserials, 2);
}

static void test_leave_and_ob_reset_default_to_the_profiles_own(void **state)
{
	struct sim_board_spec s;
	struct sim_board_config c;
	(void)state;
	for (size_t i = 0; i < l4_profile_count(); i++) {
		const struct l4_profile *p = l4_profile_at(i);

		if (!p->supported)
			continue;
		sim_board_spec_init(&s);
		set_ok(&s, "chip", p->name);
		sim_board_spec_board_config(&s, 0, &c);
		assert_int_equal(c.leave, p->leave_action);
		assert_int_equal(c.ob_reset, p->ob_write_reset);
	}
}

static void test_every_dfu11_key_reaches_the_device_config(void **state)
{
	struct sim_board_spec s;
	struct sim_dfu11_config c;
	(void)state;
	sim_board_spec_init(&s);
	set_ok(&s, "chip", "dfu11");
	set_ok(&s, "count", "2");
	set_ok(&s, "manifest", "wait-reset");
	set_ok(&s, "will-detach", "1");
	set_ok(&s, "upload", "0");
	set_ok(&s, "xfer", "64");
	set_ok(&s, "mps0", "8");
	set_ok(&s, "app", "dfu-runtime");
	set_ok(&s, "serial", "D0");
	assert_int_equal(sim_board_spec_check(&s, msg, sizeof(msg)), 0);
	sim_board_spec_dfu11_config(&s, 0, &c);
	assert_false(c.manifest_tolerant);
	assert_true(c.will_detach);
	assert_false(c.can_upload);
	assert_int_equal(c.transfer_size, 64);
	assert_int_equal(c.max_packet0, 8);
	assert_true(c.start_in_app);
	assert_string_equal(c.serial, "D0");
	sim_board_spec_dfu11_config(&s, 1, &c);
	assert_string_equal(c.serial, "DFU11-0001");
	set_ok(&s, "manifest", "tolerant");
	set_ok(&s, "will-detach", "0");
	set_ok(&s, "upload", "1");
	set_ok(&s, "xfer", "0"); /* a broken descriptor, on purpose */
	set_ok(&s, "mps0", "64");
	sim_board_spec_dfu11_config(&s, 0, &c);
	assert_true(c.manifest_tolerant);
	assert_false(c.will_detach);
	assert_true(c.can_upload);
	assert_int_equal(c.transfer_size, 0);
	assert_int_equal(c.max_packet0, 64);
	set_ok(&s, "xfer", "4096");
	assert_int_equal(s.dfu11.transfer_size, 4096);
	for (unsigned mps = 16; mps <= 32; mps *= 2) {
		char v[8];

		snprintf(v, sizeof(v), "%u", mps);
		set_ok(&s, "mps0", v);
		assert_int_equal(s.dfu11.max_packet0, mps);
	}
}

static void test_every_bad_value_names_key_value_and_what_is_accepted(void **state)
{
	const enum sim_board_spec_form F = SIM_BOARD_SPEC_FORM_WORDS;
	char longserial[64];
	(void)state;
	set_bad(F, "chip", "stm32f407", "chip stm32f407", "stm32l412xb, stm32l432kc");
	set_bad(F, "chip", "stm32f407", "dfu11", "--list-chips");
	set_bad(F, "chip", "stm32l476rg", "chip stm32l476rg", "not supported");
	set_bad(F, "count", "0", "count 0", "1 to 32");
	set_bad(F, "count", "33", "count 33", "1 to 32");
	set_bad(F, "count", "many", "count many", "1 to 32");
	set_bad(F, "count", "-1", "count -1", "1 to 32");
	set_bad(F, "count", "", "count \"\"", "1 to 32");
	set_bad(F, "boot0", "2", "boot0 2", "0 or 1");
	set_bad(F, "timing", "fast", "timing fast", "instant or datasheet");
	set_bad(F, "leave", "later", "leave later", "reset or jump");
	set_bad(F, "ob-reset", "soft", "ob-reset soft", "option-load or system");
	set_bad(F, "app", "full", "app full", "silent or dfu-runtime");
	set_bad(F, "quirk", "nope", "quirk nope", "erase-stall, xfer-1024, leave-no-status");
	set_bad(F, "serial", "", "serial \"\"", "1 to 31 characters");
	memset(longserial, 'S', 32);
	longserial[32] = 0;
	set_bad(F, "serial", longserial, longserial, "1 to 31 characters");
	set_bad(F, "image", "", "image \"\"", "give a file name");
	set_bad(F, "image", "fw.bin@nowhere", "image fw.bin@nowhere", "0x08000000");
	set_bad(F, "image", "@0x08000000", "image @0x08000000", "no file name before '@'");
	set_bad(F, "manifest", "later", "manifest later", "tolerant");
	set_bad(F, "manifest", "later", "wait-reset", NULL);
	set_bad(F, "will-detach", "yes", "will-detach yes", "0 or 1");
	set_bad(F, "upload", "2", "upload 2", "0 or 1");
	set_bad(F, "xfer", "4097", "xfer 4097", "0 to 4096");
	set_bad(F, "xfer", "big", "xfer big", "0 to 4096");
	set_bad(F, "mps0", "12", "mps0 12", "8, 16, 32 or 64");
	set_bad(F, "mps0", "128", "mps0 128", "8, 16, 32 or 64");
	set_bad(F, "frobnicate", "1", "no key \"frobnicate\"", "chip, count, serial");
	set_bad(F, "count", NULL, "count needs a value", "N");
}

static void test_too_many_serials_is_an_error(void **state)
{
	struct sim_board_spec s;
	(void)state;
	sim_board_spec_init(&s);
	set_ok(&s, "count", "32");
	for (unsigned i = 0; i < SIM_BOARD_SPEC_MAX_COUNT; i++)
		set_ok(&s, "serial", "S");
	assert_int_equal(sim_board_spec_set(&s, "serial", "ONE-MORE", msg, sizeof(msg)),
			 DFU_E_USAGE);
	assert_non_null(strstr(msg, "serial=ONE-MORE"));
	assert_non_null(strstr(msg, "the 32 boards"));
}

static void test_messages_speak_each_front_ends_syntax(void **state)
{
	struct sim_board_spec s;
	(void)state;
	set_bad(SIM_BOARD_SPEC_FORM_FLAGS, "count", "0", "--count 0: ", "1 to 32");
	set_bad(SIM_BOARD_SPEC_FORM_LIST, "count", "0", "count=0: ", "1 to 32");
	set_bad(SIM_BOARD_SPEC_FORM_WORDS, "count", "0", "count 0: ", "1 to 32");
	set_bad(SIM_BOARD_SPEC_FORM_FLAGS, "nope", "1", "no key \"--nope\"", "--chip, --count");
	/* The checks after the last key, as dfu-sim says them. */
	sim_board_spec_init(&s);
	s.form = SIM_BOARD_SPEC_FORM_FLAGS;
	set_ok(&s, "serial", "A");
	set_ok(&s, "serial", "B");
	assert_int_equal(sim_board_spec_check(&s, msg, sizeof(msg)), DFU_E_USAGE);
	assert_non_null(strstr(msg, "--serial given 2 times for 1 board; raise --count"));
}

static void test_keys_that_do_not_fit_the_chip_are_refused(void **state)
{
	(void)state;
	parse_bad("dfu11,boot0=1", "boot0 does not apply to dfu11", "manifest");
	parse_bad("dfu11,timing=datasheet", "timing does not apply to dfu11", NULL);
	parse_bad("dfu11,leave=jump", "leave does not apply", NULL);
	parse_bad("dfu11,ob-reset=system", "ob-reset does not apply", NULL);
	parse_bad("dfu11,quirk=erase-stall", "quirk does not apply", NULL);
	parse_bad("dfu11,image=fw.bin", "image does not apply", NULL);
	parse_bad("dfu11,serial=shared", "serial shared", "does not apply to dfu11");
	parse_bad("dfu11,app=silent", "app silent", "dfu-runtime");
	parse_bad("stm32l412xb,manifest=tolerant", "manifest does not apply to an STM32 chip",
		  "boot0");
	parse_bad("stm32l412xb,will-detach=1", "will-detach does not apply", NULL);
	parse_bad("stm32l412xb,upload=1", "upload does not apply", NULL);
	parse_bad("stm32l412xb,xfer=64", "xfer does not apply", NULL);
	parse_bad("stm32l412xb,mps0=8", "mps0 does not apply", NULL);
	parse_bad("stm32l412xb,count=2,serial=A,serial=B,serial=C", "serial given 3 times",
		  "2 boards");
	/* A key given before the chip is checked against the final chip. */
	parse_bad("boot0=1,chip=dfu11", "boot0 does not apply to dfu11", NULL);
}

static void test_list_form_errors_name_the_item(void **state)
{
	char big[SIM_BOARD_SPEC_IMAGE_MAX + 600];
	(void)state;
	parse_bad("stm32f407", "chip=stm32f407", "no such chip");
	parse_bad("stm32l412xb,count=0", "count=0", "1 to 32");
	parse_bad("stm32l412xb,turbo", "\"turbo\" is not key=value", "count");
	/* only the first item may be a bare chip name */
	parse_bad("count=4,stm32l452re", "\"stm32l452re\" is not key=value", NULL);
	parse_bad("stm32l412xb,turbo=1", "no key \"turbo\"", "chip, count");
	parse_bad("stm32l412xb,quirk=nope", "quirk=nope", "erase-stall");
	parse_bad("dfu11,xfer=99999", "xfer=99999", "0 to 4096");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	parse_bad(big, "is longer than", NULL);
}

static void same_boards(const struct sim_board_spec *a, const struct sim_board_spec *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->count, b->count);
	assert_string_equal(a->image, b->image);
	assert_int_equal(a->image_addr_set, b->image_addr_set);
	assert_int_equal(a->image_addr, b->image_addr);
	for (size_t i = 0; i < a->count; i++) {
		struct sim_board_config ca, cb;
		struct sim_dfu11_config da, db;

		if (a->kind == SIM_BOARD_KIND_DFU11) {
			sim_board_spec_dfu11_config(a, i, &da);
			sim_board_spec_dfu11_config(b, i, &db);
			same_dfu11(&da, &db);
			continue;
		}
		sim_board_spec_board_config(a, i, &ca);
		sim_board_spec_board_config(b, i, &cb);
		assert_int_equal(!ca.serial, !cb.serial);
		if (ca.serial)
			assert_string_equal(ca.serial, cb.serial);
		ca.serial = cb.serial = NULL;
		assert_memory_equal(&ca, &cb, sizeof(ca));
	}
}

static void test_list_form_and_key_by_key_form_make_the_same_boards(void **state)
{
	static const struct {
		const char *list;
		const char *words[24];
	} cases[] = {
		{ "stm32l432kc,count=3,boot0=1,timing=datasheet,leave=jump,ob-reset=system,"
		  "app=dfu-runtime,quirk=erase-stall,quirk=layout-garbage,serial=X1,serial=X2,"
		  "image=fw.bin@0x08000800",
		  { "chip", "stm32l432kc", "count", "3", "boot0", "1", "timing", "datasheet", "leave",
		    "jump", "ob-reset", "system", "app", "dfu-runtime", "quirk", "erase-stall",
		    "quirk", "layout-garbage", "serial", "X1", "serial", "X2", "image",
		    "fw.bin@0x08000800" } },
		{ "stm32l412xb,count=2,boot0=1,timing=instant,app=runtime,serial=shared,"
		  "quirk=erase-stall",
		  { "count", "2", "boot0", "1", "timing", "instant", "app", "runtime", "quirk",
		    "shared-serial", "quirk", "erase-stall" } },
		{ "dfu11,count=2,manifest=wait-reset,will-detach=1,xfer=512,mps0=16,upload=0,"
		  "app=runtime,serial=Q",
		  { "chip", "dfu11", "count", "2", "manifest", "wait-reset", "will-detach", "1",
		    "xfer", "512", "mps0", "16", "upload", "0", "app", "dfu-runtime", "serial",
		    "Q" } },
		{ "count=4,chip=stm32l452re", { "chip", "stm32l452re", "count", "4" } },
	};
	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct sim_board_spec a, b;

		parse_ok(&a, cases[k].list);
		sim_board_spec_init(&b);
		b.form = SIM_BOARD_SPEC_FORM_WORDS;
		for (size_t w = 0; w < 24 && cases[k].words[w]; w += 2)
			set_ok(&b, cases[k].words[w], cases[k].words[w + 1]);
		assert_int_equal(sim_board_spec_check(&b, msg, sizeof(msg)), 0);
		same_boards(&a, &b);
	}
}

static void test_an_at_sign_in_an_existing_file_name_stays_in_the_name(void **state)
{
	char path[600];
	struct sim_board_spec s;
	FILE *f;
	(void)state;
	snprintf(path, sizeof(path), "%s/spec@home.bin", DFULAB_TEST_TMP);
	f = fopen(path, "wb");
	assert_non_null(f);
	fclose(f);
	sim_board_spec_init(&s);
	set_ok(&s, "image", path);
	assert_string_equal(s.image, path);
	assert_false(s.image_addr_set);
	unlink(path);
}

static void test_the_quirk_table_covers_every_quirk_bit_once(void **state)
{
	unsigned seen = 0;
	(void)state;
	assert_int_equal(sim_board_quirk_count(), 6);
	for (size_t i = 0; i < sim_board_quirk_count(); i++) {
		const struct sim_board_quirk *q = sim_board_quirk_at(i);

		assert_ptr_equal(sim_board_quirk_find(q->name), q);
		assert_string_equal(sim_board_quirk_name(q->bit), q->name);
		assert_true(q->help && *q->help);
		assert_int_equal(seen & q->bit, 0);
		seen |= q->bit;
	}
	assert_int_equal(seen, SIM_QUIRK_ERASE_STALL | SIM_QUIRK_XFER_1024 |
				       SIM_QUIRK_LEAVE_NO_STATUS | SIM_QUIRK_SHARED_SERIAL |
				       SIM_QUIRK_LAYOUT_GARBAGE | SIM_QUIRK_OB_POWER_LOSS);
	assert_null(sim_board_quirk_at(sim_board_quirk_count()));
	assert_null(sim_board_quirk_find("nope"));
	assert_null(sim_board_quirk_name(0x8000u));
}

static void help_text(enum sim_board_spec_form form, char *buf, size_t cap)
{
	FILE *f = fmemopen(buf, cap, "w");

	assert_non_null(f);
	sim_board_spec_help(f, form);
	fclose(f);
}

static void test_help_lists_every_key_with_its_default_and_every_quirk(void **state)
{
	static char flags[8192], list[8192];
	(void)state;
	help_text(SIM_BOARD_SPEC_FORM_FLAGS, flags, sizeof(flags));
	help_text(SIM_BOARD_SPEC_FORM_LIST, list, sizeof(list));
	assert_int_equal(sim_board_spec_key_count(), 15);
	for (size_t i = 0; i < sim_board_spec_key_count(); i++) {
		char want[64];

		snprintf(want, sizeof(want), "--%s ", sim_board_spec_key_at(i));
		if (!strstr(flags, want))
			fail_msg("flag help lacks %s:\n%s", want, flags);
		snprintf(want, sizeof(want), " %s=", sim_board_spec_key_at(i));
		if (!strstr(list, want))
			fail_msg("list help lacks %s:\n%s", want, list);
	}
	assert_null(sim_board_spec_key_at(sim_board_spec_key_count()));
	for (size_t i = 0; i < sim_board_quirk_count(); i++)
		assert_non_null(strstr(flags, sim_board_quirk_at(i)->name));
	assert_non_null(strstr(flags, "--timing instant|datasheet"));
	assert_non_null(strstr(flags, "(default instant)"));
	assert_non_null(strstr(flags, "(default stm32l412xb)"));
	assert_non_null(strstr(flags, "for dfu11:"));
	assert_non_null(strstr(list, "count=N"));
	assert_non_null(strstr(list, "(default 1024)"));
}

static void test_a_spec_written_back_parses_to_the_same_boards(void **st)
{
	static const char *const texts[] = {
		"stm32l412xb",
		("stm32l432kc,count=3,timing=datasheet,leave=jump,ob-reset=system,boot0=1,"
		 "quirk=xfer-1024,quirk=erase-stall,serial=A1,serial=B2,app=dfu-runtime"),
		"stm32l412xb,serial=shared",
		"dfu11,count=2,manifest=wait-reset,will-detach=1,upload=0,xfer=512,mps0=32",
	};
	struct sim_board_spec a, b;
	char text[600], again[600], m[300];
	(void)st;

	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		assert_int_equal(sim_board_spec_parse(&a, texts[t], m, sizeof(m)), 0);
		assert_true(sim_board_spec_format(&a, text, sizeof(text)) > 0);
		assert_int_equal(sim_board_spec_parse(&b, text, m, sizeof(m)), 0);
		assert_true(sim_board_spec_format(&b, again, sizeof(again)) > 0);
		assert_string_equal(text, again);
		assert_int_equal(a.kind, b.kind);
		assert_ptr_equal(a.profile, b.profile);
		assert_int_equal(a.count, b.count);
		assert_int_equal(a.boot0, b.boot0);
		assert_int_equal(a.timing, b.timing);
		assert_int_equal(a.leave_set, b.leave_set);
		assert_int_equal(a.leave, b.leave);
		assert_int_equal(a.ob_reset_set, b.ob_reset_set);
		assert_int_equal(a.ob_reset, b.ob_reset);
		assert_int_equal(a.app, b.app);
		assert_int_equal(a.quirks, b.quirks);
		assert_int_equal(a.nserials, b.nserials);
		assert_memory_equal(&a.dfu11.transfer_size, &b.dfu11.transfer_size,
				    sizeof(a.dfu11.transfer_size));
		assert_int_equal(a.dfu11.manifest_tolerant, b.dfu11.manifest_tolerant);
		assert_int_equal(a.dfu11.max_packet0, b.dfu11.max_packet0);
	}
	/* only what was given is written: the defaults are the same everywhere */
	assert_int_equal(sim_board_spec_parse(&a, "stm32l412xb,count=2", m, sizeof(m)), 0);
	assert_true(sim_board_spec_format(&a, text, sizeof(text)) > 0);
	assert_string_equal(text, "stm32l412xb,count=2");
	assert_int_equal(sim_board_spec_value(&a, "timing", text, sizeof(text)), 1);
	assert_string_equal(text, "instant");
	assert_int_equal(sim_board_spec_value(&a, "leave", text, sizeof(text)), 0);
	assert_int_equal(sim_board_spec_value(&a, "quirk", text, sizeof(text)), DFU_E_INVAL);
	assert_int_equal(sim_board_spec_value(&a, "colour", text, sizeof(text)), DFU_E_NOTFOUND);
	assert_int_equal(sim_board_spec_format(&a, text, 8), DFU_E_NOSPACE);
}

/* docs/boards.md documents the keys by quoting the table's own help text:
 * the page and the table cannot drift apart. */
static void test_the_documentation_quotes_the_key_table(void **st)
{
	static char doc[32768], help[16384];
	FILE *f = fopen(DFULAB_TEST_DATA "/../../docs/boards.md", "r");
	FILE *h = tmpfile();
	size_t n;
	(void)st;

	assert_non_null(f);
	n = fread(doc, 1, sizeof(doc) - 1, f);
	doc[n] = '\0';
	fclose(f);
	assert_non_null(h);
	sim_board_spec_help(h, SIM_BOARD_SPEC_FORM_LIST);
	rewind(h);
	n = fread(help, 1, sizeof(help) - 1, h);
	help[n] = '\0';
	fclose(h);
	if (!strstr(doc, help))
		fail_msg("docs/boards.md does not quote the key table; replace its block with:\n%s",
			 help);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_one_virgin_stm32l412xb_with_instant_timing),
		cmocka_unit_test(test_dfu11_defaults_are_the_devices_own),
		cmocka_unit_test(test_every_stm32_key_reaches_the_board_config),
		cmocka_unit_test(test_leave_and_ob_reset_default_to_the_profiles_own),
		cmocka_unit_test(test_every_dfu11_key_reaches_the_device_config),
		cmocka_unit_test(test_every_bad_value_names_key_value_and_what_is_accepted),
		cmocka_unit_test(test_too_many_serials_is_an_error),
		cmocka_unit_test(test_messages_speak_each_front_ends_syntax),
		cmocka_unit_test(test_keys_that_do_not_fit_the_chip_are_refused),
		cmocka_unit_test(test_list_form_errors_name_the_item),
		cmocka_unit_test(test_list_form_and_key_by_key_form_make_the_same_boards),
		cmocka_unit_test(test_an_at_sign_in_an_existing_file_name_stays_in_the_name),
		cmocka_unit_test(test_the_quirk_table_covers_every_quirk_bit_once),
		cmocka_unit_test(test_help_lists_every_key_with_its_default_and_every_quirk),
		cmocka_unit_test(test_a_spec_written_back_parses_to_the_same_boards),
		cmocka_unit_test(test_the_documentation_quotes_the_key_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
