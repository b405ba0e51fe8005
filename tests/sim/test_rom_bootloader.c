/* test_rom_bootloader.c - the emulated STM32L4 ROM DFU bootloader: ST's
 * identity and the DfuSe command semantics of [rom-identity] and
 * [model-dfuse] in docs/sources.md, driven with raw control transfers and
 * checked against core's state machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/dfuse_layout.h"
#include "sim/l4_bootloader.h"
#include "sim_host.h"

#define FLASH 0x08000000u
#define OB 0x1FFF7800u
#define OTP 0x1FFF7000u
#define FEATURE 0xFFFF0000u

struct fx {
	struct sim_board *b;
	struct host h;
};

static struct fx *fx_make(unsigned quirks, enum sim_timing timing)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct sim_board_config cfg;

	assert_non_null(f);
	sim_board_config_default(&cfg, l4_profile_find("stm32l412xb"), 0);
	cfg.quirks = quirks;
	cfg.timing = timing;
	f->b = board_new(&cfg);
	sim_board_power_on(f->b, 0);
	host_attach(&f->h, f->b, 1000);
	host_enumerate(&f->h);
	return f;
}

static void fx_free(struct fx *f)
{
	board_delete(f->b);
	free(f);
}

static int setup(void **state)
{
	struct fx *f = fx_make(0, SIM_TIMING_INSTANT);

	host_open(&f->h, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* The device came back: a new "handle" on the same board. */
static void reopen(struct fx *f, uint8_t alt)
{
	assert_true(sim_board_on_bus(f->b));
	host_attach(&f->h, f->b, f->h.now + 1000);
	host_enumerate(&f->h);
	host_open(&f->h, alt);
}

static void read_ob(struct fx *f, uint8_t ob[40])
{
	size_t got;

	host_open(&f->h, 1);
	assert_int_equal(host_upload(&f->h, OB, ob, 40, &got), 0);
	assert_int_equal(got, 40);
}

static void put_word(uint8_t *ob, unsigned off, uint32_t v)
{
	dfu_put_le32(ob + off, v);
	dfu_put_le32(ob + off + 4, ~v);
}

/* Write the OB block with will-reset, as
 * dfu-util -a 1 -s 0x1FFF7800:will-reset -D ob.bin does. */
static void write_ob(struct fx *f, const uint8_t *ob, size_t len)
{
	uint32_t gen = f->b->bus_generation;

	host_open(&f->h, 1);
	f->h.will_reset = true;
	assert_int_equal(host_download(&f->h, OB, ob, len, false), 0);
	assert_int_equal(f->h.st.bState, DFU_STATE_DNBUSY);
	f->h.will_reset = false;
	assert_true(f->b->bus_generation != gen || !sim_board_on_bus(f->b));
	assert_int_equal(host_status(&f->h), USB_XFER_NO_ANSWER);
}

static void set_optr_rdp(struct fx *f, uint8_t rdp)
{
	uint8_t ob[40];

	read_ob(f, ob);
	put_word(ob, L4_OB_OPTR, (dfu_get_le32(ob) & ~0xFFu) | rdp);
	write_ob(f, ob, sizeof(ob));
}

/* ---- identity ---- */

static void test_rom_device_descriptor_is_st_s_bootloader(void **state)
{
	struct fx *f = *state;
	static const uint8_t want[18] = { 0x12, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x40, 0x83,
					  0x04, 0x11, 0xDF, 0x00, 0x22, 0x01, 0x02, 0x03, 0x01 };
	uint8_t buf[64];
	size_t n = 0;

	assert_int_equal(host_get_descriptor(&f->h, USB_DT_DEVICE, 0, 0, 64, buf, &n), USB_XFER_OK);
	assert_int_equal(n, 18);
	assert_memory_equal(buf, want, sizeof(want));
	/* The first 8 bytes, as a host with an unknown bMaxPacketSize0 asks. */
	assert_int_equal(host_get_descriptor(&f->h, USB_DT_DEVICE, 0, 0, 8, buf, &n), USB_XFER_OK);
	assert_int_equal(n, 8);
}

static void test_rom_configuration_has_four_dfu_alts_and_one_functional_descriptor(void **state)
{
	struct fx *f = *state;
	struct usb_config_iter it;
	struct usb_config_desc cd;
	struct usb_alt_info alt;
	int n = 0;

	assert_int_equal(f->h.config_len, 9 + 4 * 9 + 9);
	assert_int_equal(usb_config_iter_init(&it, f->h.config, f->h.config_len, &cd), DFU_OK);
	assert_int_equal(cd.bNumInterfaces, 1);
	assert_int_equal(cd.bConfigurationValue, 1);
	assert_int_equal(cd.bmAttributes, 0xC0);
	assert_int_equal(cd.bMaxPower, 50);
	while (usb_config_next_alt(&it, &alt) == 1) {
		assert_int_equal(alt.intf.bInterfaceNumber, 0);
		assert_int_equal(alt.intf.bAlternateSetting, n);
		assert_int_equal(alt.intf.bNumEndpoints, 0);
		assert_int_equal(alt.intf.bInterfaceClass, 0xFE);
		assert_int_equal(alt.intf.bInterfaceSubClass, 1);
		assert_int_equal(alt.intf.bInterfaceProtocol, 2);
		assert_true(alt.has_func);
		assert_int_equal(alt.func.bmAttributes, 0x0B);
		assert_int_equal(alt.func.wDetachTimeOut, 255);
		assert_int_equal(alt.func.wTransferSize, 2048);
		assert_int_equal(alt.func.bcdDFUVersion, 0x011A);
		n++;
	}
	assert_int_equal(n, 4);
	/* Once, after the last alt. */
	assert_int_equal(f->h.config[45], 9);
	assert_int_equal(f->h.config[46], DFU_FUNC_DESC_TYPE);
}

static void test_rom_strings_are_st_s_exactly(void **state)
{
	struct fx *f = *state;
	static const char *const alts[4] = {
		"@Internal Flash  /0x08000000/0064*0002Kg",
		"@Option Bytes  /0x1FFF7800/01*040 e",
		"@OTP Memory /0x1FFF7000/01*0001Ke",
		"@Device Feature/0xFFFF0000/01*004 e",
	};
	struct usb_config_iter it;
	struct usb_alt_info alt;
	uint8_t buf[255];
	uint16_t lang;
	char s[128];
	size_t n = 0;
	int i = 0;

	assert_int_equal(host_get_descriptor(&f->h, USB_DT_STRING, 0, 0, 255, buf, &n), USB_XFER_OK);
	assert_int_equal(usb_langid_desc_decode(buf, n, &lang, 1), 1);
	assert_int_equal(lang, 0x0409);
	host_string(&f->h, f->h.dev.iManufacturer, s, sizeof(s));
	assert_string_equal(s, "STMicroelectronics");
	host_string(&f->h, f->h.dev.iProduct, s, sizeof(s));
	assert_string_equal(s, "STM32  BOOTLOADER");
	assert_int_equal(usb_config_iter_init(&it, f->h.config, f->h.config_len, NULL), DFU_OK);
	while (usb_config_next_alt(&it, &alt) == 1) {
		host_string(&f->h, alt.intf.iInterface, s, sizeof(s));
		assert_string_equal(s, alts[i++]);
	}
	/* A string cut to wLength, as get_string_descriptor_ascii may ask. */
	assert_int_equal(host_get_descriptor(&f->h, USB_DT_STRING, 2, 0x0409, 4, buf, &n),
			 USB_XFER_OK);
	assert_int_equal(n, 4);
	assert_int_equal(buf[0], 2 + 2 * 17);
	/* Past the last string. */
	assert_int_equal(host_get_descriptor(&f->h, USB_DT_STRING, 8, 0x0409, 255, buf, &n),
			 USB_XFER_STALL);
}

static void test_rom_serial_is_twelve_hex_digits_from_the_uid(void **state)
{
	struct fx *f = *state;
	struct sim_board_config cfg;
	struct sim_board *b;
	char s[64];

	host_string(&f->h, f->h.dev.iSerialNumber, s, sizeof(s));
	/* word0 0x0030001E + word2 0x20373247, then word1 0x31385750 >> 16. */
	assert_string_equal(s, "206732653138");
	assert_string_equal(f->b->serial, s);

	sim_board_config_default(&cfg, l4_profile_find("stm32l412xb"), 1);
	cfg.serial = "MY-SERIAL";
	b = board_new(&cfg);
	assert_string_equal(b->serial, "MY-SERIAL");
	board_delete(b);
}

static void test_rom_stalls_device_qualifier_bos_and_bad_indexes(void **state)
{
	struct fx *f = *state;
	uint8_t buf[255];
	size_t n = 0;

	assert_int_equal(host_get_descriptor(&f->h, USB_DT_DEVICE_QUALIFIER, 0, 0, 10, buf, &n),
			 USB_XFER_STALL);
	assert_int_equal(host_get_descriptor(&f->h, USB_DT_BOS, 0, 0, 5, buf, &n), USB_XFER_STALL);
	assert_int_equal(host_get_descriptor(&f->h, USB_DT_CONFIG, 1, 0, 9, buf, &n),
			 USB_XFER_STALL);
	/* The functional descriptor asked for directly (dfu-util's fallback). */
	assert_int_equal(host_get_descriptor(&f->h, DFU_FUNC_DESC_TYPE, 0, 0, 9, buf, &n),
			 USB_XFER_OK);
	assert_int_equal(n, 9);
	assert_int_equal(buf[2], 0x0B);
}

static void test_every_profile_shows_its_own_identity_and_geometry(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < l4_profile_count(); i++) {
		const struct l4_profile *p = l4_profile_at(i);
		struct sim_board_config cfg;
		struct usb_config_iter it;
		struct usb_alt_info alt;
		struct dfuse_layout l;
		struct sim_board *b;
		struct host h;
		char s[128];
		int k = 0;

		sim_board_config_default(&cfg, p, (unsigned)i);
		if (!p->supported) {
			struct sim_board *bad = calloc(1, sizeof(*bad));

			assert_int_equal(sim_board_init(bad, &cfg), DFU_E_UNSUPPORTED);
			free(bad);
			continue;
		}
		b = board_new(&cfg);
		sim_board_power_on(b, 0);
		host_attach(&h, b, 0);
		host_enumerate(&h);
		assert_int_equal(h.dev.bcdDevice, p->usb_bcd_device);
		assert_int_equal(usb_config_iter_init(&it, h.config, h.config_len, NULL), DFU_OK);
		while (usb_config_next_alt(&it, &alt) == 1) {
			host_string(&h, alt.intf.iInterface, s, sizeof(s));
			assert_string_equal(s, p->alt_names[k]);
			assert_int_equal(alt.func.wTransferSize, p->transfer_size);
			k++;
		}
		assert_int_equal(k, 4);
		host_string(&h, 4, s, sizeof(s));
		assert_int_equal(dfuse_layout_parse(s, strlen(s), &l, NULL), DFU_OK);
		assert_int_equal(l.seg[0].start, p->flash_base);
		assert_int_equal(l.seg[0].page_size, p->page_size);
		assert_int_equal(l.seg[0].count * l.seg[0].page_size, p->flash_size);
		board_delete(b);
	}
}

/* ---- DfuSe commands ---- */

static void test_get_commands_lists_set_address_erase_and_read_unprotect(void **state)
{
	struct fx *f = *state;
	static const uint8_t want[4] = { 0x00, 0x21, 0x41, 0x92 };
	uint8_t buf[64];
	size_t n = 0;

	assert_int_equal(host_dfu(&f->h, DFU_UPLOAD, 0, NULL, 64, buf, &n), USB_XFER_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, want, 4);
	/* A short frame ends the upload: back in dfuIDLE. */
	assert_int_equal(host_state(&f->h), DFU_STATE_IDLE);
}

static void test_mass_erase_write_and_read_back_round_trip(void **state)
{
	struct fx *f = *state;
	uint8_t img[3000], back[3000];
	size_t got;

	app_image(f->b->chip.p, img, sizeof(img), 3);
	assert_int_equal(host_download(&f->h, FLASH, img, sizeof(img), true), 0);
	assert_int_equal(f->h.host_violation, DFU_OK);
	assert_int_equal(host_upload(&f->h, FLASH, back, sizeof(back), &got), 0);
	assert_int_equal(got, sizeof(back));
	assert_memory_equal(back, img, sizeof(img));
	/* The tail of the last double word is padded with 0xFF. */
	assert_int_equal(f->b->chip.flash[sizeof(img)], 0xFF);
	assert_logged(f->b, "flash: mass erase");
}

static void test_blocks_above_two_address_pointer_plus_transfer_size(void **state)
{
	struct fx *f = *state;
	uint8_t data[16], back[16];
	size_t n = 0;

	memset(data, 0x5A, sizeof(data));
	assert_int_equal(host_special(&f->h, DFUSE_SET_ADDRESS, FLASH), 0);
	assert_int_equal(host_dfu(&f->h, DFU_DNLOAD, 3, data, sizeof(data), NULL, NULL),
			 USB_XFER_OK);
	assert_int_equal(host_poll(&f->h, true, false), DFU_STATUS_OK);
	assert_memory_equal(f->b->chip.flash + 2048, data, sizeof(data));
	assert_int_equal(host_abort_to_idle(&f->h), 0);
	/* An UPLOAD of block 3 with a short wLength still reads pointer + 2048. */
	assert_int_equal(host_dfu(&f->h, DFU_UPLOAD, 3, NULL, sizeof(back), back, &n), USB_XFER_OK);
	assert_int_equal(n, sizeof(back));
	assert_memory_equal(back, data, sizeof(data));
	assert_int_equal(host_state(&f->h), DFU_STATE_UPLOAD_IDLE);
}

static void test_upload_past_the_end_of_flash_is_cut_short(void **state)
{
	struct fx *f = *state;
	uint8_t back[2048];
	size_t got;

	assert_int_equal(host_upload(&f->h, FLASH + 128 * 1024 - 100, back, sizeof(back), &got), 0);
	assert_int_equal(got, 100);
	assert_int_equal(back[0], 0xFF);
}

static void test_addresses_outside_the_selected_alt_are_errtarget(void **state)
{
	struct fx *f = *state;
	uint8_t data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t buf[8];

	assert_int_equal(host_special(&f->h, DFUSE_SET_ADDRESS, 0x20000000), DFU_STATUS_ERR_TARGET);
	assert_int_equal(f->h.st.bState, DFU_STATE_ERROR);
	host_open(&f->h, 0);
	/* Flash ends at 0x0801FFFF: a block starting one page before the end
	 * at block 3 lands past it. */
	assert_int_equal(host_special(&f->h, DFUSE_SET_ADDRESS, FLASH + 127 * 1024), 0);
	assert_int_equal(host_dfu(&f->h, DFU_DNLOAD, 3, data, sizeof(data), NULL, NULL),
			 USB_XFER_OK);
	assert_int_equal(host_poll(&f->h, true, false), DFU_STATUS_ERR_TARGET);
	host_open(&f->h, 0);
	assert_int_equal(host_special(&f->h, DFUSE_ERASE_PAGE, FLASH + 128 * 1024),
			 DFU_STATUS_ERR_TARGET);
	host_open(&f->h, 0);
	assert_int_equal(host_special(&f->h, DFUSE_SET_ADDRESS, FLASH + 127 * 1024), 0);
	assert_int_equal(host_abort_to_idle(&f->h), 0);
	assert_int_equal(host_dfu(&f->h, DFU_UPLOAD, 3, NULL, sizeof(buf), buf, NULL),
			 USB_XFER_STALL);
	assert_int_equal(host_status(&f->h), USB_XFER_OK);
	assert_int_equal(f->h.st.bStatus, DFU_STATUS_ERR_TARGET);

	/* The flash address is not in the option-byte alt. */
	host_open(&f->h, 1);
	assert_int_equal(host_special(&f->h, DFUSE_SET_ADDRESS, FLASH), DFU_STATUS_ERR_TARGET);
	assert_logged(f->b, "is outside \"Option Bytes  \"");
}

static void test_erase_needs_an_erasable_alt(void **state)
{
	struct fx *f = *state;

	host_open(&f->h, 1);
	assert_int_equal(host_special(&f->h, DFUSE_ERASE_PAGE, OB), DFU_STATUS_ERR_TARGET);
	host_open(&f->h, 1);
	assert_int_equal(host_special(&f->h, DFUSE_MASS_ERASE, 0), DFU_STATUS_ERR_TARGET);
	assert_logged(f->b, "nothing erasable");
}

static void test_block_one_and_malformed_commands_stall_with_errstalledpkt(void **state)
{
	struct fx *f = *state;
	static const uint8_t unknown[1] = { 0x55 };
	static const uint8_t short_set[3] = { 0x21, 0x00, 0x08 };
	static const uint8_t long_unprotect[2] = { 0x92, 0x00 };
	uint8_t data[8] = { 0 }, buf[8];
	const struct {
		uint16_t block;
		const uint8_t *bytes;
		uint16_t len;
	} cases[] = {
		{ 0, unknown, sizeof(unknown) },
		{ 0, short_set, sizeof(short_set) },
		{ 0, long_unprotect, sizeof(long_unprotect) },
		{ 1, data, sizeof(data) },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		host_open(&f->h, 0);
		assert_int_equal(host_dfu(&f->h, DFU_DNLOAD, cases[i].block, cases[i].bytes,
					  cases[i].len, NULL, NULL),
				 USB_XFER_STALL);
		assert_int_equal(host_status(&f->h), USB_XFER_OK);
		assert_int_equal(f->h.st.bState, DFU_STATE_ERROR);
		assert_int_equal(f->h.st.bStatus, DFU_STATUS_ERR_STALLEDPKT);
	}
	host_open(&f->h, 0);
	assert_int_equal(host_dfu(&f->h, DFU_UPLOAD, 1, NULL, sizeof(buf), buf, NULL),
			 USB_XFER_STALL);
	assert_int_equal(host_status(&f->h), USB_XFER_OK);
	assert_int_equal(f->h.st.bStatus, DFU_STATUS_ERR_STALLEDPKT);
	assert_logged(f->b, "unknown DfuSe command 0x55");
}

static void test_programming_twice_without_erase_is_errprog(void **state)
{
	struct fx *f = *state;
	uint8_t a[64], z[64];

	memset(a, 0x11, sizeof(a));
	memset(z, 0x00, sizeof(z));
	assert_int_equal(host_download(&f->h, FLASH, a, sizeof(a), false), 0);
	assert_int_equal(host_write_chunk(&f->h, FLASH, a, sizeof(a)), DFU_STATUS_ERR_PROG);
	assert_int_equal(f->h.st.bState, DFU_STATE_ERROR);
	/* All zeros may always be programmed (RM0394). */
	host_open(&f->h, 0);
	assert_int_equal(host_write_chunk(&f->h, FLASH, z, sizeof(z)), DFU_STATUS_OK);
	/* A page erase makes room again. */
	assert_int_equal(host_special(&f->h, DFUSE_ERASE_PAGE, FLASH + 5), 0);
	assert_int_equal(host_write_chunk(&f->h, FLASH, a, sizeof(a)), DFU_STATUS_OK);
}

static void test_write_protected_page_reports_ok_but_flash_is_unchanged(void **state)
{
	struct fx *f = *state;
	uint8_t ob[40], data[256], back[256];
	size_t got;

	read_ob(f, ob);
	put_word(ob, L4_OB_WRP1AR, 0x00010001); /* pages 1..1 */
	write_ob(f, ob, sizeof(ob));
	reopen(f, 0);
	memset(data, 0x42, sizeof(data));
	assert_int_equal(host_download(&f->h, FLASH + 2048, data, sizeof(data), false), 0);
	assert_int_equal(host_upload(&f->h, FLASH + 2048, back, sizeof(back), &got), 0);
	assert_int_equal(back[0], 0xFF);
	assert_int_equal(back[255], 0xFF);
	/* Erase too is silently ignored. */
	assert_int_equal(host_special(&f->h, DFUSE_ERASE_PAGE, FLASH + 2048), 0);
	assert_logged(f->b, "write-protected");
}

static void test_rdp1_refuses_flash_access_with_errvendor_until_read_unprotect(void **state)
{
	struct fx *f = *state;
	uint8_t data[64], buf[64];

	memset(data, 0x33, sizeof(data));
	assert_int_equal(host_download(&f->h, FLASH + 4096, data, sizeof(data), false), 0);
	set_optr_rdp(f, 0xBB);
	reopen(f, 0);
	assert_int_equal(l4_chip_rdp_level(&f->b->chip), 1);

	/* Get and set address still work. */
	assert_int_equal(host_dfu(&f->h, DFU_UPLOAD, 0, NULL, sizeof(buf), buf, NULL), USB_XFER_OK);
	assert_int_equal(host_special(&f->h, DFUSE_SET_ADDRESS, FLASH), 0);
	assert_int_equal(host_abort_to_idle(&f->h), 0);
	assert_int_equal(host_dfu(&f->h, DFU_UPLOAD, 2, NULL, sizeof(buf), buf, NULL),
			 USB_XFER_STALL);
	assert_int_equal(host_status(&f->h), USB_XFER_OK);
	assert_int_equal(f->h.st.bStatus, DFU_STATUS_ERR_VENDOR);
	host_open(&f->h, 0);
	assert_int_equal(host_write_chunk(&f->h, FLASH, data, sizeof(data)), DFU_STATUS_ERR_VENDOR);
	host_open(&f->h, 0);
	assert_int_equal(host_special(&f->h, DFUSE_ERASE_PAGE, FLASH), DFU_STATUS_ERR_VENDOR);
	host_open(&f->h, 0);
	assert_int_equal(host_special(&f->h, DFUSE_MASS_ERASE, 0), DFU_STATUS_ERR_VENDOR);
	assert_int_equal(f->b->chip.flash[4096], 0x33);

	/* Read Unprotect: dfuDNBUSY, then the device is gone; it comes back at
	 * level 0 with flash erased. */
	host_open(&f->h, 0);
	assert_int_equal(host_special(&f->h, DFUSE_READ_UNPROTECT, 0), 0);
	assert_int_equal(f->h.st.bState, DFU_STATE_DNBUSY);
	assert_int_equal(host_status(&f->h), USB_XFER_NO_ANSWER);
	assert_int_equal(l4_chip_rdp_level(&f->b->chip), 0);
	assert_int_equal(f->b->chip.flash[4096], 0xFF);
	assert_logged(f->b, "read unprotect done");
	assert_logged(f->b, "reset: option-byte load");
	reopen(f, 0);
}

static void test_option_bytes_upload_40_bytes_and_writes_need_the_whole_block(void **state)
{
	struct fx *f = *state;
	uint8_t ob[48];

	memset(ob, 0xFF, sizeof(ob));
	read_ob(f, ob);
	assert_int_equal(dfu_get_le32(ob), f->b->chip.optr);
	assert_int_equal(dfu_get_le32(ob + 4), ~f->b->chip.optr);
	/* Too short. */
	host_open(&f->h, 1);
	assert_int_equal(host_write_chunk(&f->h, OB, ob, 32), DFU_STATUS_ERR_TARGET);
	/* Not at the start of the block. */
	host_open(&f->h, 1);
	assert_int_equal(host_write_chunk(&f->h, OB + 8, ob, 32), DFU_STATUS_ERR_TARGET);
	/* Past the block. */
	host_open(&f->h, 1);
	assert_int_equal(host_write_chunk(&f->h, OB, ob, 48), DFU_STATUS_ERR_TARGET);
	assert_true(sim_board_on_bus(f->b));
	/* 36 bytes, as CubeProgrammer sends, are accepted. */
	write_ob(f, ob, 36);
	assert_logged(f->b, "option bytes written");
	reopen(f, 0);
}

static void test_option_byte_write_answers_dnbusy_then_resets_with_option_load(void **state)
{
	struct fx *f = *state;
	uint32_t loads = f->b->chip.reset_count[L4_RESET_OPTION_LOAD];
	uint8_t ob[40];

	read_ob(f, ob);
	write_ob(f, ob, sizeof(ob));
	assert_int_equal(f->b->chip.reset_count[L4_RESET_OPTION_LOAD], loads + 1);
	assert_logged(f->b, "option bytes written: the device disconnects");
	assert_true(sim_board_on_bus(f->b)); /* virgin flash: the ROM again */
}

static void test_otp_programs_once_and_reads_back(void **state)
{
	struct fx *f = *state;
	uint8_t data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, back[8];
	size_t got;

	host_open(&f->h, 2);
	assert_int_equal(host_download(&f->h, OTP + 16, data, sizeof(data), false), 0);
	assert_int_equal(host_upload(&f->h, OTP + 16, back, sizeof(back), &got), 0);
	assert_memory_equal(back, data, sizeof(data));
	assert_int_equal(host_write_chunk(&f->h, OTP + 16, data, sizeof(data)), DFU_STATUS_ERR_PROG);
}

static void test_device_feature_reads_zeros_and_refuses_writes(void **state)
{
	struct fx *f = *state;
	uint8_t back[4] = { 9, 9, 9, 9 }, zero[4] = { 0 };
	size_t got;

	host_open(&f->h, 3);
	assert_int_equal(host_upload(&f->h, FEATURE, back, sizeof(back), &got), 0);
	assert_int_equal(got, 4);
	assert_memory_equal(back, zero, 4);
	assert_int_equal(host_write_chunk(&f->h, FEATURE, zero, 4), DFU_STATUS_ERR_TARGET);
	assert_logged(f->b, "not writable in this model");
}

static void test_leave_answers_dfumanifest_then_the_device_drops_off(void **state)
{
	struct fx *f = *state;
	uint32_t gen = f->b->bus_generation;

	assert_int_equal(host_leave(&f->h, FLASH), 0);
	assert_int_equal(f->h.st.bState, DFU_STATE_MANIFEST);
	assert_int_equal(f->h.st.bStatus, DFU_STATUS_OK);
	assert_int_equal(f->b->bus_generation, gen + 1);
	assert_int_equal(host_status(&f->h), USB_XFER_NO_ANSWER);
	assert_int_equal(sim_bootloader_pointer(f->b->rom), FLASH); /* fresh ROM */
}

static void test_leave_is_accepted_from_dfudnload_idle_too(void **state)
{
	struct fx *f = *state;

	assert_int_equal(host_special(&f->h, DFUSE_SET_ADDRESS, FLASH), 0);
	assert_int_equal(f->h.st.bState, DFU_STATE_DNLOAD_IDLE);
	assert_int_equal(host_dfu(&f->h, DFU_DNLOAD, 2, NULL, 0, NULL, NULL), USB_XFER_OK);
	assert_int_equal(host_status(&f->h), USB_XFER_OK);
	assert_int_equal(f->h.st.bState, DFU_STATE_MANIFEST);
}

static void test_detach_in_dfuidle_stalls_and_a_bus_reset_returns_to_idle(void **state)
{
	struct fx *f = *state;
	uint32_t gen = f->b->bus_generation;

	assert_int_equal(host_detach_and_reset(&f->h), USB_XFER_STALL);
	assert_int_equal(f->b->bus_generation, gen);
	assert_int_equal(dfu_fsm_state(sim_bootloader_fsm(f->b->rom)), DFU_STATE_IDLE);
	/* The bus reset unconfigured the device: the host enumerates again. */
	assert_int_equal(host_xfer(&f->h, 0x01, USB_REQ_SET_INTERFACE, 0, 0, 0, NULL, NULL, NULL),
			 USB_XFER_STALL);
	host_enumerate(&f->h);
	host_open(&f->h, 0);
	assert_logged(f->b, "USB bus reset: dfuIDLE");
}

static void test_vendor_and_non_interface_class_requests_stall(void **state)
{
	struct fx *f = *state;
	uint8_t buf[8];

	assert_int_equal(host_xfer(&f->h, 0xC1, 0x01, 0, 0, 8, NULL, buf, NULL), USB_XFER_STALL);
	assert_int_equal(host_xfer(&f->h, 0xA0, DFU_GETSTATUS, 0, 0, 6, NULL, buf, NULL),
			 USB_XFER_STALL);
	assert_int_equal(host_xfer(&f->h, 0xA1, DFU_GETSTATUS, 0, 1, 6, NULL, buf, NULL),
			 USB_XFER_STALL);
	assert_int_equal(host_state(&f->h), DFU_STATE_IDLE);
}

/* ---- the state machine, request by request ---- */

enum reach {
	R_IDLE,
	R_DNLOAD_SYNC,
	R_DNBUSY,
	R_DNLOAD_IDLE,
	R_MANIFEST_SYNC,
	R_UPLOAD_IDLE,
	R_ERROR,
	R_COUNT,
};

static const enum dfu_state reach_state[R_COUNT] = {
	DFU_STATE_IDLE,		 DFU_STATE_DNLOAD_SYNC,	  DFU_STATE_DNBUSY, DFU_STATE_DNLOAD_IDLE,
	DFU_STATE_MANIFEST_SYNC, DFU_STATE_UPLOAD_IDLE, DFU_STATE_ERROR,
};

static void drive_to(struct fx *f, enum reach r)
{
	uint8_t cmd[5], buf[2048];
	struct dfuse_cmd set = { DFUSE_SET_ADDRESS, FLASH };
	struct dfuse_cmd erase = { DFUSE_ERASE_PAGE, FLASH };

	dfuse_cmd_encode(&set, cmd, sizeof(cmd));
	switch (r) {
	case R_IDLE:
		break;
	case R_DNLOAD_SYNC:
		host_dfu(&f->h, DFU_DNLOAD, 0, cmd, 5, NULL, NULL);
		break;
	case R_DNBUSY:
		dfuse_cmd_encode(&erase, cmd, sizeof(cmd));
		host_dfu(&f->h, DFU_DNLOAD, 0, cmd, 5, NULL, NULL);
		host_status(&f->h);
		break;
	case R_DNLOAD_IDLE:
		host_dfu(&f->h, DFU_DNLOAD, 0, cmd, 5, NULL, NULL);
		host_status(&f->h);
		host_status(&f->h);
		break;
	case R_MANIFEST_SYNC:
		host_dfu(&f->h, DFU_DNLOAD, 2, NULL, 0, NULL, NULL);
		break;
	case R_UPLOAD_IDLE:
		host_dfu(&f->h, DFU_UPLOAD, 2, NULL, 2048, buf, NULL);
		break;
	case R_ERROR:
		host_dfu(&f->h, DFU_DNLOAD, 1, cmd, 5, NULL, NULL);
		break;
	case R_COUNT:
		break;
	}
	assert_int_equal(dfu_fsm_state(sim_bootloader_fsm(f->b->rom)), reach_state[r]);
}

static void test_every_request_in_every_state_gets_the_shared_fsm_answer(void **state)
{
	static const struct {
		enum dfu_request req;
		uint16_t wValue, wLength;
	} reqs[] = {
		{ DFU_DETACH, 1000, 0 },   { DFU_DNLOAD, 0, 5 },	  { DFU_DNLOAD, 2, 0 },
		{ DFU_UPLOAD, 2, 64 },	   { DFU_UPLOAD, 2, 4096 },	  { DFU_GETSTATUS, 0, 6 },
		{ DFU_CLRSTATUS, 0, 0 },   { DFU_GETSTATE, 0, 1 },	  { DFU_ABORT, 0, 0 },
		{ DFU_DNLOAD, 2, 4096 },
	};
	const struct dfu_fsm_config cfg = { 0x0B, true, 2048, 255 };
	size_t r, q;

	(void)state;
	for (r = 0; r < R_COUNT; r++) {
		for (q = 0; q < sizeof(reqs) / sizeof(reqs[0]); q++) {
			struct fx *f = fx_make(0, SIM_TIMING_DATASHEET);
			struct dfu_setup s = dfu_setup_make(reqs[q].req, reqs[q].wValue, 0,
							    reqs[q].wLength);
			static uint8_t buf[4096];
			bool legal;
			enum usb_xfer_result res;
			struct dfuse_cmd set = { DFUSE_SET_ADDRESS, FLASH };

			memset(buf, 0, sizeof(buf));
			dfuse_cmd_encode(&set, buf, sizeof(buf));
			host_open(&f->h, 0);
			drive_to(f, (enum reach)r);
			legal = (dfu_fsm_legal_states(&cfg, &s) & DFU_STATE_BIT(reach_state[r])) != 0;
			res = host_xfer(&f->h, s.bmRequestType, s.bRequest, s.wValue, s.wIndex,
					s.wLength, buf, buf, NULL);
			if (!legal) {
				if (res != USB_XFER_STALL)
					fail_msg("%s in %s: expected a stall, got %d",
						 dfu_request_name(s.bRequest),
						 dfu_state_name(reach_state[r]), res);
				assert_int_equal(dfu_fsm_state(sim_bootloader_fsm(f->b->rom)),
						 DFU_STATE_ERROR);
			} else if (res == USB_XFER_STALL) {
				fail_msg("%s in %s is legal but stalled", dfu_request_name(s.bRequest),
					 dfu_state_name(reach_state[r]));
			}
			fx_free(f);
		}
	}
}

/* ---- timing ---- */

static void test_datasheet_timing_reports_21ms_per_block_and_22ms_per_erase(void **state)
{
	struct fx *f = fx_make(0, SIM_TIMING_DATASHEET);
	uint8_t img[2048];

	(void)state;
	host_open(&f->h, 0);
	app_image(f->b->chip.p, img, sizeof(img), 1);
	assert_int_equal(host_special(&f->h, DFUSE_ERASE_PAGE, FLASH), 0);
	assert_int_equal(host_status(&f->h), USB_XFER_OK);
	/* The first poll of the erase answered 22 ms; check by repeating. */
	assert_int_equal(host_special(&f->h, DFUSE_SET_ADDRESS, FLASH), 0);
	assert_int_equal(host_dfu(&f->h, DFU_DNLOAD, 0, (const uint8_t[]){ 0x41, 0, 0, 0, 8 }, 5,
				  NULL, NULL),
			 USB_XFER_OK);
	assert_int_equal(host_status(&f->h), USB_XFER_OK);
	assert_int_equal(f->h.st.bState, DFU_STATE_DNBUSY);
	assert_int_equal(f->h.st.bwPollTimeout, 22);
	host_wait_ms(&f->h, 22);
	assert_int_equal(host_status(&f->h), USB_XFER_OK);
	assert_int_equal(f->h.st.bState, DFU_STATE_DNLOAD_IDLE);

	assert_int_equal(host_dfu(&f->h, DFU_DNLOAD, 2, img, sizeof(img), NULL, NULL), USB_XFER_OK);
	assert_int_equal(host_status(&f->h), USB_XFER_OK);
	assert_true(f->h.st.bwPollTimeout >= 21 && f->h.st.bwPollTimeout <= 22);
	host_wait_ms(&f->h, f->h.st.bwPollTimeout);
	assert_int_equal(host_status(&f->h), USB_XFER_OK);
	assert_int_equal(f->h.st.bState, DFU_STATE_DNLOAD_IDLE);

	host_open(&f->h, 0);
	assert_int_equal(host_dfu(&f->h, DFU_DNLOAD, 0, (const uint8_t[]){ 0x41 }, 1, NULL, NULL),
			 USB_XFER_OK);
	assert_int_equal(host_status(&f->h), USB_XFER_OK);
	assert_int_equal(f->h.st.bwPollTimeout, 22);
	fx_free(f);
}

static void test_polling_before_bwpolltimeout_stalls_into_dfuerror(void **state)
{
	struct fx *f = fx_make(0, SIM_TIMING_DATASHEET);

	(void)state;
	host_open(&f->h, 0);
	assert_int_equal(host_dfu(&f->h, DFU_DNLOAD, 0, (const uint8_t[]){ 0x41 }, 1, NULL, NULL),
			 USB_XFER_OK);
	assert_int_equal(host_status(&f->h), USB_XFER_OK);
	assert_int_equal(f->h.st.bState, DFU_STATE_DNBUSY);
	host_wait_ms(&f->h, 5);
	assert_int_equal(host_status(&f->h), USB_XFER_STALL);
	assert_int_equal(host_status(&f->h), USB_XFER_OK);
	assert_int_equal(f->h.st.bState, DFU_STATE_ERROR);
	assert_int_equal(f->h.st.bStatus, DFU_STATUS_ERR_STALLEDPKT);
	fx_free(f);
}

static void test_instant_timing_reports_zero_poll_timeouts(void **state)
{
	struct fx *f = *state;

	assert_int_equal(host_dfu(&f->h, DFU_DNLOAD, 0, (const uint8_t[]){ 0x41 }, 1, NULL, NULL),
			 USB_XFER_OK);
	assert_int_equal(host_status(&f->h), USB_XFER_OK);
	assert_int_equal(f->h.st.bState, DFU_STATE_DNBUSY);
	assert_int_equal(f->h.st.bwPollTimeout, 0);
	assert_int_equal(host_status(&f->h), USB_XFER_OK);
	assert_int_equal(f->h.st.bState, DFU_STATE_DNLOAD_IDLE);
}

/* ---- quirks ---- */

static void test_quirk_erase_stall_under_reports_and_stalls_while_busy(void **state)
{
	struct fx *f = fx_make(SIM_QUIRK_ERASE_STALL, SIM_TIMING_INSTANT);
	struct fx *g;

	(void)state;
	host_open(&f->h, 0);
	assert_int_equal(host_dfu(&f->h, DFU_DNLOAD, 0, (const uint8_t[]){ 0x41 }, 1, NULL, NULL),
			 USB_XFER_OK);
	assert_int_equal(host_status(&f->h), USB_XFER_OK);
	assert_int_equal(f->h.st.bState, DFU_STATE_DNBUSY);
	assert_int_equal(f->h.st.bwPollTimeout, 11);
	host_wait_ms(&f->h, 11);
	assert_int_equal(host_status(&f->h), USB_XFER_STALL);
	/* The stall did not change the state. */
	assert_int_equal(dfu_fsm_state(sim_bootloader_fsm(f->b->rom)), DFU_STATE_DNBUSY);
	host_wait_ms(&f->h, 11);
	assert_int_equal(host_status(&f->h), USB_XFER_OK);
	assert_int_equal(f->h.st.bState, DFU_STATE_DNLOAD_IDLE);
	assert_logged(f->b, "quirk ERASE_STALL");

	/* dfu-util's poll loop (with the 0.10 workaround) gets through. */
	host_open(&f->h, 0);
	assert_int_equal(host_special(&f->h, DFUSE_ERASE_PAGE, FLASH), DFU_STATUS_OK);
	assert_int_equal(f->h.stalls, 1);
	fx_free(f);

	/* Without the quirk, an early poll is a protocol error. */
	g = fx_make(0, SIM_TIMING_INSTANT);
	host_open(&g->h, 0);
	assert_int_equal(host_special(&g->h, DFUSE_ERASE_PAGE, FLASH), DFU_STATUS_OK);
	assert_int_equal(g->h.stalls, 0);
	fx_free(g);
}

static void test_quirk_xfer_1024_leaves_the_second_half_of_a_block_erased(void **state)
{
	struct fx *f = fx_make(SIM_QUIRK_XFER_1024, SIM_TIMING_INSTANT);
	uint8_t img[4096], back[4096];
	size_t got;

	(void)state;
	host_open(&f->h, 0);
	app_image(f->b->chip.p, img, sizeof(img), 9);
	assert_int_equal(host_download(&f->h, FLASH, img, sizeof(img), true), 0);
	assert_int_equal(host_upload(&f->h, FLASH, back, sizeof(back), &got), 0);
	assert_int_equal(got, sizeof(back));
	assert_memory_equal(back, img, 1024);
	assert_int_equal(back[1024], 0xFF);
	assert_int_equal(back[2047], 0xFF);
	assert_memory_equal(back + 2048, img + 2048, 1024);
	assert_int_equal(back[3072], 0xFF);
	assert_logged(f->b, "quirk XFER_1024");

	/* dfu-util -t 1024 is the workaround. */
	f->h.xfer = 1024;
	assert_int_equal(host_download(&f->h, FLASH, img, sizeof(img), true), 0);
	assert_memory_equal(f->b->chip.flash, img, sizeof(img));
	fx_free(f);
}

static void test_quirk_leave_no_status_disconnects_before_answering(void **state)
{
	struct fx *f = fx_make(SIM_QUIRK_LEAVE_NO_STATUS, SIM_TIMING_INSTANT);
	uint32_t gen = f->b->bus_generation;

	(void)state;
	host_open(&f->h, 0);
	assert_int_equal(host_leave(&f->h, FLASH), HOST_GONE);
	assert_int_equal(f->b->bus_generation, gen + 1);
	assert_logged(f->b, "quirk LEAVE_NO_STATUS");
	fx_free(f);
}

static void test_quirk_shared_serial_gives_every_board_the_same_serial(void **state)
{
	const struct l4_profile *p = l4_profile_find("stm32l412xb");
	struct sim_board_config c0, c1;
	struct sim_board *a, *b;

	(void)state;
	sim_board_config_default(&c0, p, 0);
	sim_board_config_default(&c1, p, 1);
	a = board_new(&c0);
	b = board_new(&c1);
	assert_string_not_equal(a->serial, b->serial);
	board_delete(b);
	c1.quirks = SIM_QUIRK_SHARED_SERIAL;
	b = board_new(&c1);
	assert_string_equal(a->serial, b->serial);
	board_delete(b);
	board_delete(a);
}

static void test_quirk_layout_garbage_appends_text_after_the_layout(void **state)
{
	struct fx *f = fx_make(SIM_QUIRK_LAYOUT_GARBAGE, SIM_TIMING_INSTANT);
	struct dfuse_layout l;
	char s[128];

	(void)state;
	host_string(&f->h, 4, s, sizeof(s));
	assert_true(strncmp(s, "@Internal Flash  /0x08000000/0064*0002Kg", 40) == 0);
	assert_true(strlen(s) > 40);
	assert_int_equal(dfuse_layout_parse(s, strlen(s), &l, NULL), DFU_OK);
	assert_true(l.warnings & DFUSE_WARN_TRAILING);
	assert_int_equal(l.nsegments, 1);
	assert_int_equal(l.seg[0].count, 64);
	/* The device itself still works from the real layout. */
	host_open(&f->h, 0);
	assert_int_equal(host_special(&f->h, DFUSE_SET_ADDRESS, FLASH), 0);
	fx_free(f);
}

static void test_quirk_ob_power_loss_leaves_the_board_off_with_half_written_options(void **state)
{
	struct fx *f = fx_make(SIM_QUIRK_OB_POWER_LOSS, SIM_TIMING_INSTANT);
	uint8_t ob[40];

	(void)state;
	read_ob(f, ob);
	write_ob(f, ob, sizeof(ob));
	assert_false(f->b->chip.powered);
	assert_false(sim_board_on_bus(f->b));
	assert_string_equal(board_text(f->b), "nothing (not powered)");
	assert_logged(f->b, "quirk OB_POWER_LOSS");
	sim_board_power_on(f->b, f->h.now + 1000);
	assert_true(f->b->chip.optverr);
	assert_logged(f->b, "OPTVERR");
	fx_free(f);
}

/* ---- the ROM on its own ---- */

static enum usb_xfer_result bare(struct sim_bootloader *r, uint8_t type, uint8_t request,
				 uint16_t wValue, uint16_t wLength, uint8_t *buf, uint64_t now)
{
	struct usb_ctrl_xfer x;

	memset(&x, 0, sizeof(x));
	x.setup.bmRequestType = type;
	x.setup.bRequest = request;
	x.setup.wValue = wValue;
	x.setup.wLength = wLength;
	x.now_us = now;
	if (type & 0x80) {
		x.in = buf;
		x.in_cap = wLength;
	} else {
		x.out = buf;
		x.out_len = wLength;
	}
	return usb_device_control(sim_bootloader_usb(r), &x);
}

static void test_rom_refuses_profiles_it_cannot_serve(void **state)
{
	struct l4_profile p = *l4_profile_find("stm32l412xb");
	const struct sim_rom_config rc = { SIM_TIMING_INSTANT, 0, "S" };
	struct sim_board_config cfg;
	struct sim_bootloader *r;
	struct sim_board *b = calloc(1, sizeof(*b));
	struct l4_chip chip;

	(void)state;
	assert_int_equal(sim_bootloader_new(&r, NULL, NULL, &rc), DFU_E_INVAL);
	assert_null(r);
	assert_int_equal(l4_chip_init(&chip, &p, NULL), DFU_OK);
	assert_int_equal(sim_bootloader_new(&r, &chip, NULL, NULL), DFU_E_INVAL);
	p.transfer_size = SIM_ROM_XFER_MAX * 2;
	assert_int_equal(sim_bootloader_new(&r, &chip, NULL, &rc), DFU_E_INVAL);
	/* The board gives up cleanly when its ROM cannot be built. */
	sim_board_config_default(&cfg, &p, 0);
	assert_int_equal(sim_board_init(b, &cfg), DFU_E_INVAL);
	free(b);
	p.transfer_size = 2048;
	p.alt_names[2] = "@OTP Memory /0x1FFF7000/01*";
	assert_int_equal(sim_bootloader_new(&r, &chip, NULL, &rc), DFU_E_INVAL);
	/* A layout that parses, in text USB cannot carry. */
	p.alt_names[2] = "@OTP Memory /0x1FFF7000/01*0001Ke \xFF";
	assert_int_equal(sim_bootloader_new(&r, &chip, NULL, &rc), DFU_E_INVAL);
	l4_chip_free(&chip);
}

static void test_rom_without_a_log_still_serves_and_a_short_erase_stall_polls_1ms(void **state)
{
	struct l4_profile p = *l4_profile_find("stm32l412xb");
	const struct sim_rom_config rc = { SIM_TIMING_DATASHEET, SIM_QUIRK_ERASE_STALL, NULL };
	struct dfu_status_reply st;
	struct sim_bootloader *r;
	struct l4_chip chip;
	uint8_t buf[8] = { 0x41 };
	uint64_t at;

	(void)state;
	p.timing.page_erase_us = 1000;
	p.timing.mass_erase_us = 1000;
	assert_int_equal(l4_chip_init(&chip, &p, NULL), DFU_OK);
	l4_chip_reset(&chip, L4_RESET_POWER_ON, 0);
	assert_int_equal(sim_bootloader_new(&r, &chip, NULL, &rc), DFU_OK);
	assert_int_equal(bare(r, 0x00, USB_REQ_SET_CONFIGURATION, 1, 0, NULL, 0), USB_XFER_OK);
	assert_int_equal(bare(r, 0x21, DFU_DNLOAD, 0, 1, buf, 0), USB_XFER_OK);
	assert_int_equal(bare(r, 0xA1, DFU_GETSTATUS, 0, 6, buf, 0), USB_XFER_OK);
	assert_int_equal(dfu_status_decode(buf, 6, &st), DFU_OK);
	assert_int_equal(st.bState, DFU_STATE_DNBUSY);
	assert_int_equal(st.bwPollTimeout, 1);
	assert_int_equal(bare(r, 0xA1, DFU_GETSTATUS, 0, 6, buf, 500), USB_XFER_STALL);
	assert_int_equal(bare(r, 0xA1, DFU_GETSTATUS, 0, 6, buf, 1000), USB_XFER_OK);
	assert_int_equal(dfu_status_decode(buf, 6, &st), DFU_OK);
	assert_int_equal(st.bState, DFU_STATE_DNLOAD_IDLE);
	assert_int_equal(sim_bootloader_take_event(r, &at), SIM_ROM_EV_NONE);
	sim_bootloader_free(r);
	l4_chip_free(&chip);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rom_device_descriptor_is_st_s_bootloader),
		T(test_rom_configuration_has_four_dfu_alts_and_one_functional_descriptor),
		T(test_rom_strings_are_st_s_exactly),
		T(test_rom_serial_is_twelve_hex_digits_from_the_uid),
		T(test_rom_stalls_device_qualifier_bos_and_bad_indexes),
		cmocka_unit_test(test_every_profile_shows_its_own_identity_and_geometry),
		T(test_get_commands_lists_set_address_erase_and_read_unprotect),
		T(test_mass_erase_write_and_read_back_round_trip),
		T(test_blocks_above_two_address_pointer_plus_transfer_size),
		T(test_upload_past_the_end_of_flash_is_cut_short),
		T(test_addresses_outside_the_selected_alt_are_errtarget),
		T(test_erase_needs_an_erasable_alt),
		T(test_block_one_and_malformed_commands_stall_with_errstalledpkt),
		T(test_programming_twice_without_erase_is_errprog),
		T(test_write_protected_page_reports_ok_but_flash_is_unchanged),
		T(test_rdp1_refuses_flash_access_with_errvendor_until_read_unprotect),
		T(test_option_bytes_upload_40_bytes_and_writes_need_the_whole_block),
		T(test_option_byte_write_answers_dnbusy_then_resets_with_option_load),
		T(test_otp_programs_once_and_reads_back),
		T(test_device_feature_reads_zeros_and_refuses_writes),
		T(test_leave_answers_dfumanifest_then_the_device_drops_off),
		T(test_leave_is_accepted_from_dfudnload_idle_too),
		T(test_detach_in_dfuidle_stalls_and_a_bus_reset_returns_to_idle),
		T(test_vendor_and_non_interface_class_requests_stall),
		cmocka_unit_test(test_every_request_in_every_state_gets_the_shared_fsm_answer),
		cmocka_unit_test(test_datasheet_timing_reports_21ms_per_block_and_22ms_per_erase),
		cmocka_unit_test(test_polling_before_bwpolltimeout_stalls_into_dfuerror),
		T(test_instant_timing_reports_zero_poll_timeouts),
		cmocka_unit_test(test_quirk_erase_stall_under_reports_and_stalls_while_busy),
		cmocka_unit_test(test_quirk_xfer_1024_leaves_the_second_half_of_a_block_erased),
		cmocka_unit_test(test_quirk_leave_no_status_disconnects_before_answering),
		cmocka_unit_test(test_quirk_shared_serial_gives_every_board_the_same_serial),
		cmocka_unit_test(test_quirk_layout_garbage_appends_text_after_the_layout),
		cmocka_unit_test(test_quirk_ob_power_loss_leaves_the_board_off_with_half_written_options),
		cmocka_unit_test(test_rom_refuses_profiles_it_cannot_serve),
		cmocka_unit_test(test_rom_without_a_log_still_serves_and_a_short_erase_stall_polls_1ms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
