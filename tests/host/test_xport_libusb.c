/* test_xport_libusb.c - what of the libusb transport runs without hardware:
 * the error mapping, the port-path format, and a machine without any USB
 * device or subsystem giving a clean "no DFU device found". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libusb.h>

#include "host/cli.h"
#include "host/xport_libusb.h"

static void test_libusb_errors_map_to_the_transport_contract(void **st)
{
	(void)st;
	assert_int_equal(xport_libusb_map_error(LIBUSB_ERROR_PIPE), DFU_E_STALL);
	assert_int_equal(xport_libusb_map_error(LIBUSB_ERROR_NO_DEVICE), DFU_E_NODEV);
	assert_int_equal(xport_libusb_map_error(LIBUSB_ERROR_NOT_FOUND), DFU_E_NODEV);
	assert_int_equal(xport_libusb_map_error(LIBUSB_ERROR_TIMEOUT), DFU_E_TIMEOUT);
	assert_int_equal(xport_libusb_map_error(LIBUSB_ERROR_IO), DFU_E_IO);
	assert_int_equal(xport_libusb_map_error(LIBUSB_ERROR_OVERFLOW), DFU_E_IO);
	assert_int_equal(xport_libusb_map_error(LIBUSB_ERROR_ACCESS), DFU_E_IO);
	assert_int_equal(xport_libusb_map_error(LIBUSB_ERROR_BUSY), DFU_E_BUSY);
	assert_int_equal(xport_libusb_map_error(LIBUSB_ERROR_NO_MEM), DFU_E_NOMEM);
	assert_int_equal(xport_libusb_map_error(LIBUSB_ERROR_OTHER), DFU_E_IO);
	assert_int_equal(xport_libusb_map_error(6), 6); /* a byte count passes through */
}

static void test_paths_read_like_dfu_utils(void **st)
{
	uint8_t p1[] = { 1 }, p3[] = { 1, 2, 14 };
	char out[XPORT_PATH_MAX];
	(void)st;
	assert_int_equal(xport_libusb_format_path(1, p1, 1, out, sizeof(out)), 3);
	assert_string_equal(out, "1-1");
	assert_int_equal(xport_libusb_format_path(3, p3, 3, out, sizeof(out)), 8);
	assert_string_equal(out, "3-1.2.14");
	assert_int_equal(xport_libusb_format_path(2, NULL, 0, out, sizeof(out)), 1);
	assert_string_equal(out, "2");
	assert_int_equal(xport_libusb_format_path(255, p3, 3, out, 6), -1);
}

static int count(void *ctx, const struct xport_dev_info *d)
{
	(void)d;
	(*(int *)ctx)++;
	return 0;
}

static void test_enumerating_without_usb_hardware_does_not_crash(void **st)
{
	struct xport_libusb *t = xport_libusb_new();
	struct xport x = xport_libusb(t);
	int n = 0, rc;
	(void)st;
	assert_non_null(t);
	rc = xport_enumerate(&x, count, &n);
	assert_true(rc >= 0);
	assert_int_equal(rc, n);
	assert_string_equal(x.ops->name, "libusb");
	xport_libusb_free(t);
}

static void test_list_and_flash_on_an_empty_bus_say_no_device(void **st)
{
	FILE *out = tmpfile(), *err = tmpfile();
	char *argv1[] = { "dfu-flash", "-l", "-d", "ffff:fffe", NULL };
	char *argv2[] = { "dfu-flash", "-d", "ffff:fffe", "-s", ":leave", NULL };
	char buf[2048];
	size_t n;
	(void)st;
	/* an ID no real device has, so a machine with USB gives the same */
	assert_int_equal(dfu_flash_main(4, argv1, out, err), 0);
	assert_int_equal(dfu_flash_main(5, argv2, out, err), CLI_EXIT_IOERR);
	rewind(err);
	n = fread(buf, 1, sizeof(buf) - 1, err);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "no DFU device found on the libusb transport"));
	assert_non_null(strstr(buf, "no DFU-mode device matches"));
	fclose(out);
	fclose(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libusb_errors_map_to_the_transport_contract),
		cmocka_unit_test(test_paths_read_like_dfu_utils),
		cmocka_unit_test(test_enumerating_without_usb_hardware_does_not_crash),
		cmocka_unit_test(test_list_and_flash_on_an_empty_bus_say_no_device),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
