/* test_vport_frame.c - the bridge's framing codec (interop/vport_frame.h):
 * every frame type both ways, frames split at every byte, and every broken
 * form a clear error that sticks. Expected bytes are written out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/error.h"
#include "interop/vport_frame.h"

/* Feed a whole buffer; collect up to 8 frames (type, id, len, first byte). */
struct seen {
	int n;
	uint8_t type[8], id[8];
	uint16_t len[8];
	uint8_t data[8][16];
};

static int feed(struct vpb_decoder *d, const uint8_t *in, size_t n, struct seen *s,
		struct dfu_diag *diag)
{
	while (n) {
		struct vpb_frame f;
		size_t used = 0;
		int rc = vpb_decode(d, in, n, &used, &f, diag);

		assert_true(used <= n);
		in += used;
		n -= used;
		if (rc < 0)
			return rc;
		if (rc == 1) {
			assert_true(s->n < 8);
			s->type[s->n] = f.type;
			s->id[s->n] = f.id;
			s->len[s->n] = f.len;
			memcpy(s->data[s->n], f.data, f.len < 16 ? f.len : 16);
			s->n++;
		} else {
			assert_int_equal(n, 0);
		}
	}
	return 0;
}

static void test_encoder_writes_the_documented_bytes(void **state)
{
	uint8_t out[16];
	(void)state;

	assert_int_equal(vpb_encode(out, sizeof(out), VPB_HELLO, 0, (const uint8_t *)"VPB1", 4), 8);
	assert_memory_equal(out, "H\x00\x00\x04VPB1", 8);
	assert_int_equal(vpb_encode(out, sizeof(out), VPB_OPEN, 7, NULL, 0), 4);
	assert_memory_equal(out, "O\x07\x00\x00", 4);
	assert_int_equal(vpb_encode(out, sizeof(out), VPB_DATA, 255, (const uint8_t *)"abc", 3), 7);
	assert_memory_equal(out, "D\xff\x00\x03" "abc", 7);
	assert_int_equal(vpb_encode(out, sizeof(out), VPB_CLOSE, 1, NULL, 0), 4);
	assert_memory_equal(out, "C\x01\x00\x00", 4);
}

static void test_encoder_refuses_frames_the_format_forbids(void **state)
{
	static uint8_t big[VPB_MAX_DATA + 1];
	uint8_t out[VPB_MAX_FRAME + 8];
	(void)state;

	assert_int_equal(vpb_encode(out, sizeof(out), 'X', 1, NULL, 0), DFU_E_INVAL);
	assert_int_equal(vpb_encode(out, sizeof(out), VPB_OPEN, 0, NULL, 0), DFU_E_INVAL);
	assert_int_equal(vpb_encode(out, sizeof(out), VPB_DATA, 1, big, 0), DFU_E_INVAL);
	assert_int_equal(vpb_encode(out, sizeof(out), VPB_DATA, 1, big, sizeof(big)), DFU_E_INVAL);
	assert_int_equal(vpb_encode(out, sizeof(out), VPB_CLOSE, 1, big, 1), DFU_E_INVAL);
	assert_int_equal(vpb_encode(out, sizeof(out), VPB_HELLO, 0, (const uint8_t *)"XXXX", 4),
			 DFU_E_INVAL);
	assert_int_equal(vpb_encode(out, sizeof(out), VPB_HELLO, 1, (const uint8_t *)"VPB1", 4),
			 DFU_E_INVAL);
	assert_int_equal(vpb_encode(out, 6, VPB_DATA, 1, big, 3), DFU_E_NOSPACE);
	assert_int_equal(vpb_encode(NULL, 6, VPB_CLOSE, 1, NULL, 0), DFU_E_INVAL);
	assert_int_equal(vpb_encode(out, sizeof(out), VPB_DATA, 1, big, VPB_MAX_DATA),
			 VPB_MAX_FRAME);
}

static void test_decoder_returns_each_frame_of_a_stream(void **state)
{
	static const uint8_t in[] = "H\x00\x00\x04VPB1"
				    "O\x02\x00\x00"
				    "D\x02\x00\x05hello"
				    "C\x02\x00\x00";
	struct vpb_decoder d;
	struct seen s = { 0 };
	(void)state;

	vpb_decoder_init(&d);
	assert_int_equal(feed(&d, in, sizeof(in) - 1, &s, NULL), 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.type[0], VPB_HELLO);
	assert_int_equal(s.type[1], VPB_OPEN);
	assert_int_equal(s.id[1], 2);
	assert_int_equal(s.type[2], VPB_DATA);
	assert_int_equal(s.len[2], 5);
	assert_memory_equal(s.data[2], "hello", 5);
	assert_int_equal(s.type[3], VPB_CLOSE);
	assert_int_equal(s.id[3], 2);
}

static void test_decoder_reassembles_frames_split_at_every_byte(void **state)
{
	static const uint8_t in[] = "O\x09\x00\x00"
				    "D\x09\x00\x0a" "0123456789"
				    "D\x09\x00\x01" "!"
				    "C\x09\x00\x00";
	const size_t len = sizeof(in) - 1;
	(void)state;

	for (size_t cut = 0; cut <= len; cut++) {
		struct vpb_decoder d;
		struct seen s = { 0 };

		vpb_decoder_init(&d);
		assert_int_equal(feed(&d, in, cut, &s, NULL), 0);
		assert_int_equal(feed(&d, in + cut, len - cut, &s, NULL), 0);
		assert_int_equal(s.n, 4);
		assert_int_equal(s.len[1], 10);
		assert_memory_equal(s.data[1], "0123456789", 10);
		assert_int_equal(s.data[2][0], '!');
		assert_int_equal(s.type[3], VPB_CLOSE);
	}
	{
		/* And one byte at a time. */
		struct vpb_decoder d;
		struct seen s = { 0 };

		vpb_decoder_init(&d);
		for (size_t i = 0; i < len; i++)
			assert_int_equal(feed(&d, in + i, 1, &s, NULL), 0);
		assert_int_equal(s.n, 4);
	}
}

static void test_decoder_takes_the_largest_data_frame(void **state)
{
	static uint8_t in[VPB_MAX_FRAME], payload[VPB_MAX_DATA];
	struct vpb_decoder d;
	struct vpb_frame f;
	size_t used;
	(void)state;

	memset(payload, 0x5a, sizeof(payload));
	assert_int_equal(vpb_encode(in, sizeof(in), VPB_DATA, 3, payload, VPB_MAX_DATA),
			 VPB_MAX_FRAME);
	vpb_decoder_init(&d);
	assert_int_equal(vpb_decode(&d, in, sizeof(in), &used, &f, NULL), 1);
	assert_int_equal(used, sizeof(in));
	assert_int_equal(f.len, VPB_MAX_DATA);
	assert_int_equal(f.data[VPB_MAX_DATA - 1], 0x5a);
}

/* One broken stream: the error, its offset and the words of its reason. */
static void expect_broken(const char *in, size_t len, size_t offset, const char *words)
{
	struct vpb_decoder d;
	struct seen s = { 0 };
	struct dfu_diag diag = { 0 };
	struct vpb_frame f;
	size_t used = 99;

	vpb_decoder_init(&d);
	assert_int_equal(feed(&d, (const uint8_t *)in, len, &s, &diag), DFU_E_FORMAT);
	assert_int_equal(diag.offset, offset);
	if (!strstr(diag.msg, words))
		fail_msg("diag \"%s\" lacks \"%s\"", diag.msg, words);
	/* It sticks: a good frame after a broken one is not trusted. */
	assert_int_equal(vpb_decode(&d, (const uint8_t *)"C\x01\x00\x00", 4, &used, &f, &diag),
			 DFU_E_FORMAT);
	assert_int_equal(used, 0);
}

static void test_decoder_names_every_broken_frame(void **state)
{
	(void)state;
	expect_broken("X\x01\x00\x00", 4, 0, "unknown frame type 0x58");
	expect_broken("O\x01\x00\x00" "Q\x01\x00\x00", 8, 4, "unknown frame type 0x51");
	expect_broken("O\x00\x00\x00", 4, 1, "open frame with connection id 0");
	expect_broken("C\x00\x00\x00", 4, 1, "close frame with connection id 0");
	expect_broken("D\x00\x00\x01x", 5, 1, "data frame with connection id 0");
	expect_broken("O\x01\x00\x01", 4, 2, "open frame with length 1, expected 0");
	expect_broken("C\x01\x10\x00", 4, 2, "close frame with length 4096, expected 0");
	expect_broken("D\x01\x00\x00", 4, 2, "data frame with length 0, expected 1-4096");
	expect_broken("D\x01\x10\x01", 4, 2, "data frame with length 4097");
	expect_broken("D\x01\xff\xff", 4, 2, "data frame with length 65535");
	expect_broken("H\x01\x00\x04VPB1", 8, 1, "hello frame with connection id 1");
	expect_broken("H\x00\x00\x05VPB1x", 9, 2, "hello frame with length 5");
	expect_broken("H\x00\x00\x04VPB2", 8, 4, "without the magic");
}

static void test_header_check_alone_names_the_field(void **state)
{
	struct dfu_diag diag = { 0 };
	(void)state;

	assert_int_equal(vpb_check_header((const uint8_t *)"D\x05\x00\x10", &diag), 0);
	assert_int_equal(vpb_check_header((const uint8_t *)"D\x05\x00\x00", &diag), DFU_E_FORMAT);
	assert_int_equal(diag.offset, 2);
	assert_int_equal(vpb_check_header(NULL, &diag), DFU_E_INVAL);
}

static void test_decoder_refuses_bad_arguments_without_crashing(void **state)
{
	struct vpb_decoder d;
	struct vpb_frame f;
	size_t used;
	(void)state;

	vpb_decoder_init(&d);
	assert_int_equal(vpb_decode(NULL, (const uint8_t *)"x", 1, &used, &f, NULL), DFU_E_INVAL);
	assert_int_equal(vpb_decode(&d, NULL, 1, &used, &f, NULL), DFU_E_INVAL);
	assert_int_equal(vpb_decode(&d, (const uint8_t *)"x", 1, NULL, &f, NULL), DFU_E_INVAL);
	assert_int_equal(vpb_decode(&d, (const uint8_t *)"x", 1, &used, NULL, NULL), DFU_E_INVAL);
	/* An empty read is no frame and no error. */
	assert_int_equal(vpb_decode(&d, NULL, 0, &used, &f, NULL), 0);
	assert_int_equal(used, 0);
}

static void test_type_names_read_as_words(void **state)
{
	(void)state;
	assert_string_equal(vpb_type_name(VPB_HELLO), "hello");
	assert_string_equal(vpb_type_name(VPB_OPEN), "open");
	assert_string_equal(vpb_type_name(VPB_DATA), "data");
	assert_string_equal(vpb_type_name(VPB_CLOSE), "close");
	assert_string_equal(vpb_type_name(0), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encoder_writes_the_documented_bytes),
		cmocka_unit_test(test_encoder_refuses_frames_the_format_forbids),
		cmocka_unit_test(test_decoder_returns_each_frame_of_a_stream),
		cmocka_unit_test(test_decoder_reassembles_frames_split_at_every_byte),
		cmocka_unit_test(test_decoder_takes_the_largest_data_frame),
		cmocka_unit_test(test_decoder_names_every_broken_frame),
		cmocka_unit_test(test_header_check_alone_names_the_field),
		cmocka_unit_test(test_decoder_refuses_bad_arguments_without_crashing),
		cmocka_unit_test(test_type_names_read_as_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
