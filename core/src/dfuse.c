/* dfuse.c - DfuSe command, Get Commands and block-address codecs (AN3156). */
#include "dfu/dfuse.h"

#include "dfu/bytes.h"

/* AN3156 §5: the command opcode is byte 0 of a wBlockNum-0 DNLOAD; commands
 * that carry an address add it as LE32, so the payload is 1 or 5 bytes. */
#define CMD_ADDR_LEN 5
#define CMD_BARE_LEN 1

int dfuse_cmd_encode(const struct dfuse_cmd *c, uint8_t *out, size_t cap)
{
	uint8_t op;
	size_t need;

	if (!c || !out)
		return DFU_E_INVAL;
	switch (c->kind) {
	case DFUSE_SET_ADDRESS:
		op = DFUSE_CMD_SET_ADDRESS;
		need = CMD_ADDR_LEN;
		break;
	case DFUSE_ERASE_PAGE:
		op = DFUSE_CMD_ERASE;
		need = CMD_ADDR_LEN;
		break;
	case DFUSE_MASS_ERASE:
		op = DFUSE_CMD_ERASE;
		need = CMD_BARE_LEN;
		break;
	case DFUSE_READ_UNPROTECT:
		op = DFUSE_CMD_READ_UNPROTECT;
		need = CMD_BARE_LEN;
		break;
	default:
		return DFU_E_INVAL;
	}
	if (cap < need)
		return DFU_E_NOSPACE;
	out[0] = op;
	if (need == CMD_ADDR_LEN)
		dfu_put_le32(out + 1, c->address);
	return (int)need;
}

/* A command whose payload length does not fit its opcode. The offset is
 * where the mismatch shows: the end of a short payload, or the first extra
 * byte of a long one. */
static int bad_length(struct dfu_diag *diag, uint8_t op, size_t len, size_t expected,
		      const char *want)
{
	return dfu_diag_set(diag, DFU_E_FORMAT, len < expected ? len : expected,
			    "DfuSe command 0x%02X with %zu bytes; it takes %s", op, len, want);
}

int dfuse_cmd_decode(const uint8_t *in, size_t len, struct dfuse_cmd *c,
		     struct dfu_diag *diag)
{
	if (!c || (!in && len))
		return dfu_diag_set(diag, DFU_E_INVAL, 0, "no payload or no result buffer");
	if (len == 0)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, 0,
				    "empty DfuSe command payload; expected an opcode byte");
	switch (in[0]) {
	case DFUSE_CMD_SET_ADDRESS:
		if (len != CMD_ADDR_LEN)
			return bad_length(diag, in[0], len, CMD_ADDR_LEN,
					  "5 (opcode + LE32 address)");
		c->kind = DFUSE_SET_ADDRESS;
		c->address = dfu_get_le32(in + 1);
		return 0;
	case DFUSE_CMD_ERASE:
		if (len == CMD_BARE_LEN) {
			c->kind = DFUSE_MASS_ERASE;
			c->address = 0;
			return 0;
		}
		if (len != CMD_ADDR_LEN)
			return bad_length(diag, in[0], len, CMD_ADDR_LEN,
					  "1 (mass erase) or 5 (opcode + LE32 page address)");
		c->kind = DFUSE_ERASE_PAGE;
		c->address = dfu_get_le32(in + 1);
		return 0;
	case DFUSE_CMD_READ_UNPROTECT:
		if (len != CMD_BARE_LEN)
			return bad_length(diag, in[0], len, CMD_BARE_LEN,
					  "1 (the opcode alone)");
		c->kind = DFUSE_READ_UNPROTECT;
		c->address = 0;
		return 0;
	default:
		return dfu_diag_set(diag, DFU_E_FORMAT, 0,
				    "unknown DfuSe command 0x%02X; expected 0x21, 0x41 or 0x92",
				    in[0]);
	}
}

const char *dfuse_cmd_name(enum dfuse_cmd_kind kind)
{
	switch (kind) {
	case DFUSE_SET_ADDRESS: return "SET_ADDRESS";
	case DFUSE_ERASE_PAGE: return "ERASE_PAGE";
	case DFUSE_MASS_ERASE: return "MASS_ERASE";
	case DFUSE_READ_UNPROTECT: return "READ_UNPROTECT";
	}
	return "UNKNOWN";
}

/* Mask bits and the opcodes they stand for, in the order AN3156 lists them
 * in the Get reply. */
static const struct {
	unsigned bit;
	uint8_t op;
} get_cmds[] = {
	{DFUSE_HAS_SET_ADDRESS, DFUSE_CMD_SET_ADDRESS},
	{DFUSE_HAS_ERASE, DFUSE_CMD_ERASE},
	{DFUSE_HAS_READ_UNPROTECT, DFUSE_CMD_READ_UNPROTECT},
};

#define GET_CMDS_N (sizeof(get_cmds) / sizeof(get_cmds[0]))
#define GET_CMDS_ALL (DFUSE_HAS_SET_ADDRESS | DFUSE_HAS_ERASE | DFUSE_HAS_READ_UNPROTECT)

int dfuse_get_commands_encode(unsigned mask, uint8_t *out, size_t cap)
{
	size_t n = 1;
	size_t i;

	if (!out || (mask & ~GET_CMDS_ALL))
		return DFU_E_INVAL;
	for (i = 0; i < GET_CMDS_N; i++)
		if (mask & get_cmds[i].bit)
			n++;
	if (cap < n)
		return DFU_E_NOSPACE;
	n = 0;
	out[n++] = DFUSE_CMD_GET_COMMANDS;
	for (i = 0; i < GET_CMDS_N; i++)
		if (mask & get_cmds[i].bit)
			out[n++] = get_cmds[i].op;
	return (int)n;
}

int dfuse_get_commands_decode(const uint8_t *in, size_t len, unsigned *mask,
			      struct dfu_diag *diag)
{
	unsigned m = 0;
	size_t i, k;

	if (!mask || (!in && len))
		return dfu_diag_set(diag, DFU_E_INVAL, 0, "no reply or no result buffer");
	if (len == 0)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, 0,
				    "empty Get Commands reply; expected 0x00 first");
	if (in[0] != DFUSE_CMD_GET_COMMANDS)
		return dfu_diag_set(diag, DFU_E_FORMAT, 0,
				    "Get Commands reply starts with 0x%02X; expected 0x00", in[0]);
	for (i = 1; i < len; i++) {
		/* Opcodes this codec does not know are a newer bootloader's
		 * business and are left out of the mask; a repeated opcode
		 * (zero padding, a misread buffer) means this is no list. */
		for (k = 0; k < i; k++)
			if (in[k] == in[i])
				return dfu_diag_set(diag, DFU_E_FORMAT, i,
						    "Get Commands reply lists 0x%02X twice "
						    "(offsets %zu and %zu)",
						    in[i], k, i);
		for (k = 0; k < GET_CMDS_N; k++)
			if (in[i] == get_cmds[k].op)
				m |= get_cmds[k].bit;
	}
	*mask = m;
	return 0;
}

int dfuse_block_address(uint32_t pointer, uint16_t block, uint32_t transfer_size,
			uint32_t *address)
{
	uint64_t a;

	if (!address || block < DFUSE_BLOCK_DATA_FIRST)
		return DFU_E_INVAL;
	a = (uint64_t)pointer + (uint64_t)(block - DFUSE_BLOCK_DATA_FIRST) * transfer_size;
	if (a > UINT32_MAX)
		return DFU_E_OVERFLOW;
	*address = (uint32_t)a;
	return 0;
}
