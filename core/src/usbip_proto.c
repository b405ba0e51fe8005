/* usbip_proto.c - USB/IP 0x0111 messages, field by field ([usbip-protocol],
 * [usbip-vhci]). */
#include <string.h>

#include "dfu/bytes.h"
#include "dfu/usbip_proto.h"

const char *usbip_op_status_name(uint32_t status)
{
	switch (status) {
	case USBIP_ST_OK: return "ST_OK";
	case USBIP_ST_NA: return "ST_NA";
	case USBIP_ST_DEV_BUSY: return "ST_DEV_BUSY";
	case USBIP_ST_DEV_ERR: return "ST_DEV_ERR";
	case USBIP_ST_NODEV: return "ST_NODEV";
	case USBIP_ST_ERROR: return "ST_ERROR";
	}
	return "unknown status";
}

const char *usbip_command_name(uint32_t command)
{
	switch (command) {
	case USBIP_CMD_SUBMIT: return "CMD_SUBMIT";
	case USBIP_CMD_UNLINK: return "CMD_UNLINK";
	case USBIP_RET_SUBMIT: return "RET_SUBMIT";
	case USBIP_RET_UNLINK: return "RET_UNLINK";
	}
	return "unknown command";
}

/* ---- management phase ---- */

int usbip_op_common_encode(const struct usbip_op_common *op, uint8_t *out, size_t cap)
{
	if (cap < USBIP_OP_COMMON_SIZE)
		return DFU_E_NOSPACE;
	dfu_put_be16(out, op->version);
	dfu_put_be16(out + 2, op->code);
	dfu_put_be32(out + 4, op->status);
	return USBIP_OP_COMMON_SIZE;
}

int usbip_op_common_decode(const uint8_t *in, size_t len, struct usbip_op_common *op,
			   struct dfu_diag *diag)
{
	if (len < USBIP_OP_COMMON_SIZE)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, len,
				    "USB/IP operation header needs %d bytes, have %zu",
				    USBIP_OP_COMMON_SIZE, len);
	op->version = dfu_get_be16(in);
	op->code = dfu_get_be16(in + 2);
	op->status = dfu_get_be32(in + 4);
	if (op->version != USBIP_VERSION)
		return dfu_diag_set(diag, DFU_E_UNSUPPORTED, 0,
				    "USB/IP version 0x%04x at offset 0, expected 0x%04x",
				    op->version, USBIP_VERSION);
	return USBIP_OP_COMMON_SIZE;
}

/* Decode op_common and insist on one code (and, for requests, status 0). */
static int op_expect(const uint8_t *in, size_t len, uint16_t code, bool status_zero,
		     struct usbip_op_common *op, struct dfu_diag *diag)
{
	int rc = usbip_op_common_decode(in, len, op, diag);

	if (rc < 0)
		return rc;
	if (op->code != code)
		return dfu_diag_set(diag, DFU_E_FORMAT, 2,
				    "USB/IP operation code 0x%04x at offset 2, expected 0x%04x",
				    op->code, code);
	if (status_zero && op->status != 0)
		return dfu_diag_set(diag, DFU_E_FORMAT, 4,
				    "USB/IP request status %u at offset 4, expected 0",
				    (unsigned)op->status);
	return rc;
}

/* A NUL-padded string field: the string must leave room for its NUL. */
static int put_string(uint8_t *out, size_t field, const char *s)
{
	size_t n = strnlen(s, field);

	if (n >= field)
		return DFU_E_INVAL;
	memset(out, 0, field);
	memcpy(out, s, n);
	return 0;
}

static int get_string(const uint8_t *in, size_t field, char *out, size_t at, const char *what,
		      struct dfu_diag *diag)
{
	const uint8_t *nul = memchr(in, 0, field);

	if (!nul)
		return dfu_diag_set(diag, DFU_E_FORMAT, at,
				    "USB/IP %s at offset %zu fills all %zu bytes with no NUL",
				    what, at, field);
	memcpy(out, in, (size_t)(nul - in) + 1);
	return 0;
}

int usbip_device_encode(const struct usbip_usb_device *d, uint8_t *out, size_t cap)
{
	if (cap < USBIP_DEVICE_SIZE)
		return DFU_E_NOSPACE;
	if (put_string(out, USBIP_PATH_SIZE, d->path) < 0 ||
	    put_string(out + 0x100, USBIP_BUSID_SIZE, d->busid) < 0)
		return DFU_E_INVAL;
	dfu_put_be32(out + 0x120, d->busnum);
	dfu_put_be32(out + 0x124, d->devnum);
	dfu_put_be32(out + 0x128, d->speed);
	dfu_put_be16(out + 0x12C, d->idVendor);
	dfu_put_be16(out + 0x12E, d->idProduct);
	dfu_put_be16(out + 0x130, d->bcdDevice);
	out[0x132] = d->bDeviceClass;
	out[0x133] = d->bDeviceSubClass;
	out[0x134] = d->bDeviceProtocol;
	out[0x135] = d->bConfigurationValue;
	out[0x136] = d->bNumConfigurations;
	out[0x137] = d->bNumInterfaces;
	return USBIP_DEVICE_SIZE;
}

int usbip_device_decode(const uint8_t *in, size_t len, struct usbip_usb_device *d,
			struct dfu_diag *diag)
{
	int rc;

	if (len < USBIP_DEVICE_SIZE)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, len,
				    "USB/IP device record needs %d bytes, have %zu",
				    USBIP_DEVICE_SIZE, len);
	rc = get_string(in, USBIP_PATH_SIZE, d->path, 0, "device path", diag);
	if (rc < 0)
		return rc;
	rc = get_string(in + 0x100, USBIP_BUSID_SIZE, d->busid, 0x100, "busid", diag);
	if (rc < 0)
		return rc;
	d->busnum = dfu_get_be32(in + 0x120);
	d->devnum = dfu_get_be32(in + 0x124);
	d->speed = dfu_get_be32(in + 0x128);
	d->idVendor = dfu_get_be16(in + 0x12C);
	d->idProduct = dfu_get_be16(in + 0x12E);
	d->bcdDevice = dfu_get_be16(in + 0x130);
	d->bDeviceClass = in[0x132];
	d->bDeviceSubClass = in[0x133];
	d->bDeviceProtocol = in[0x134];
	d->bConfigurationValue = in[0x135];
	d->bNumConfigurations = in[0x136];
	d->bNumInterfaces = in[0x137];
	return USBIP_DEVICE_SIZE;
}

int usbip_interface_encode(const struct usbip_usb_interface *i, uint8_t *out, size_t cap)
{
	if (cap < USBIP_INTERFACE_SIZE)
		return DFU_E_NOSPACE;
	out[0] = i->bInterfaceClass;
	out[1] = i->bInterfaceSubClass;
	out[2] = i->bInterfaceProtocol;
	out[3] = 0;
	return USBIP_INTERFACE_SIZE;
}

int usbip_interface_decode(const uint8_t *in, size_t len, struct usbip_usb_interface *i,
			   struct dfu_diag *diag)
{
	if (len < USBIP_INTERFACE_SIZE)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, len,
				    "USB/IP interface record needs %d bytes, have %zu",
				    USBIP_INTERFACE_SIZE, len);
	i->bInterfaceClass = in[0];
	i->bInterfaceSubClass = in[1];
	i->bInterfaceProtocol = in[2];
	return USBIP_INTERFACE_SIZE;
}

int usbip_req_devlist_encode(uint8_t *out, size_t cap)
{
	struct usbip_op_common op = { USBIP_VERSION, USBIP_OP_REQ_DEVLIST, 0 };

	return usbip_op_common_encode(&op, out, cap);
}

int usbip_req_devlist_decode(const uint8_t *in, size_t len, struct dfu_diag *diag)
{
	struct usbip_op_common op;

	return op_expect(in, len, USBIP_OP_REQ_DEVLIST, true, &op, diag);
}

size_t usbip_rep_devlist_size(const struct usbip_devlist_entry *e, size_t n)
{
	size_t size = USBIP_DEVLIST_HEADER_SIZE;

	for (size_t i = 0; i < n; i++)
		size += USBIP_DEVICE_SIZE + (size_t)e[i].dev.bNumInterfaces * USBIP_INTERFACE_SIZE;
	return size;
}

int usbip_rep_devlist_encode(const struct usbip_devlist_entry *e, size_t n, uint8_t *out,
			     size_t cap)
{
	struct usbip_op_common op = { USBIP_VERSION, USBIP_OP_REP_DEVLIST, USBIP_ST_OK };
	size_t pos;

	if (n > UINT32_MAX)
		return DFU_E_INVAL;
	for (size_t i = 0; i < n; i++)
		if (e[i].dev.bNumInterfaces && !e[i].intf)
			return DFU_E_INVAL;
	if (usbip_rep_devlist_size(e, n) > cap)
		return DFU_E_NOSPACE;
	if ((size_t)usbip_rep_devlist_size(e, n) > (size_t)INT32_MAX)
		return DFU_E_INVAL;
	usbip_op_common_encode(&op, out, cap);
	dfu_put_be32(out + 8, (uint32_t)n);
	pos = USBIP_DEVLIST_HEADER_SIZE;
	for (size_t i = 0; i < n; i++) {
		int rc = usbip_device_encode(&e[i].dev, out + pos, cap - pos);

		if (rc < 0)
			return rc;
		pos += (size_t)rc;
		for (unsigned k = 0; k < e[i].dev.bNumInterfaces; k++)
			pos += (size_t)usbip_interface_encode(&e[i].intf[k], out + pos, cap - pos);
	}
	return (int)pos;
}

int usbip_rep_devlist_begin(struct usbip_devlist_iter *it, const uint8_t *in, size_t len,
			    struct dfu_diag *diag)
{
	struct usbip_op_common op;
	int rc = op_expect(in, len, USBIP_OP_REP_DEVLIST, false, &op, diag);

	if (rc < 0)
		return rc;
	if (op.status != USBIP_ST_OK)
		return dfu_diag_set(diag, DFU_E_DEVICE, 4, "USB/IP server refused the list: %s (%u)",
				    usbip_op_status_name(op.status), (unsigned)op.status);
	if (len < USBIP_DEVLIST_HEADER_SIZE)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, len,
				    "USB/IP device list header needs %d bytes, have %zu",
				    USBIP_DEVLIST_HEADER_SIZE, len);
	memset(it, 0, sizeof(*it));
	it->buf = in;
	it->len = len;
	it->pos = USBIP_DEVLIST_HEADER_SIZE;
	it->ndev = dfu_get_be32(in + 8);
	return 0;
}

int usbip_rep_devlist_next(struct usbip_devlist_iter *it, struct usbip_usb_device *d,
			   struct usbip_usb_interface *intf, size_t intf_max,
			   struct dfu_diag *diag)
{
	size_t need;
	int rc;

	if (it->done == it->ndev) {
		if (it->pos != it->len)
			return dfu_diag_set(diag, DFU_E_SIZE, it->pos,
					    "%zu bytes follow the last of %u devices at offset %zu",
					    it->len - it->pos, (unsigned)it->ndev, it->pos);
		return 0;
	}
	rc = usbip_device_decode(it->buf + it->pos, it->len - it->pos, d, diag);
	if (rc < 0) {
		if (diag)
			diag->offset += it->pos;
		return rc;
	}
	need = USBIP_DEVICE_SIZE + (size_t)d->bNumInterfaces * USBIP_INTERFACE_SIZE;
	if (it->len - it->pos < need)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, it->len,
				    "device %u (%s) announces %u interfaces but the reply ends "
				    "at offset %zu",
				    (unsigned)it->done + 1, d->busid, d->bNumInterfaces, it->len);
	for (size_t k = 0; k < d->bNumInterfaces && k < intf_max; k++)
		usbip_interface_decode(it->buf + it->pos + USBIP_DEVICE_SIZE +
					       k * USBIP_INTERFACE_SIZE,
				       USBIP_INTERFACE_SIZE, &intf[k], NULL);
	it->pos += need;
	it->done++;
	return 1;
}

int usbip_req_import_encode(const char *busid, uint8_t *out, size_t cap)
{
	struct usbip_op_common op = { USBIP_VERSION, USBIP_OP_REQ_IMPORT, 0 };

	if (cap < USBIP_REQ_IMPORT_SIZE)
		return DFU_E_NOSPACE;
	if (!busid || !busid[0] || put_string(out + 8, USBIP_BUSID_SIZE, busid) < 0)
		return DFU_E_INVAL;
	usbip_op_common_encode(&op, out, cap);
	return USBIP_REQ_IMPORT_SIZE;
}

int usbip_req_import_decode(const uint8_t *in, size_t len, char busid[USBIP_BUSID_SIZE],
			    struct dfu_diag *diag)
{
	struct usbip_op_common op;
	int rc = op_expect(in, len, USBIP_OP_REQ_IMPORT, true, &op, diag);

	if (rc < 0)
		return rc;
	if (len < USBIP_REQ_IMPORT_SIZE)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, len,
				    "OP_REQ_IMPORT needs %d bytes, have %zu", USBIP_REQ_IMPORT_SIZE,
				    len);
	rc = get_string(in + 8, USBIP_BUSID_SIZE, busid, 8, "busid", diag);
	if (rc < 0)
		return rc;
	if (!busid[0])
		return dfu_diag_set(diag, DFU_E_FORMAT, 8, "OP_REQ_IMPORT names an empty busid");
	return USBIP_REQ_IMPORT_SIZE;
}

int usbip_rep_import_encode(uint32_t status, const struct usbip_usb_device *d, uint8_t *out,
			    size_t cap)
{
	struct usbip_op_common op = { USBIP_VERSION, USBIP_OP_REP_IMPORT, status };
	int rc;

	if (status != USBIP_ST_OK) {
		return usbip_op_common_encode(&op, out, cap);
	}
	if (!d)
		return DFU_E_INVAL;
	if (cap < USBIP_REP_IMPORT_SIZE)
		return DFU_E_NOSPACE;
	rc = usbip_device_encode(d, out + USBIP_OP_COMMON_SIZE, cap - USBIP_OP_COMMON_SIZE);
	if (rc < 0)
		return rc;
	usbip_op_common_encode(&op, out, cap);
	return USBIP_REP_IMPORT_SIZE;
}

int usbip_rep_import_decode(const uint8_t *in, size_t len, uint32_t *status,
			    struct usbip_usb_device *d, struct dfu_diag *diag)
{
	struct usbip_op_common op;
	int rc = op_expect(in, len, USBIP_OP_REP_IMPORT, false, &op, diag);

	if (rc < 0)
		return rc;
	*status = op.status;
	if (op.status != USBIP_ST_OK)
		return USBIP_OP_COMMON_SIZE;
	rc = usbip_device_decode(in + USBIP_OP_COMMON_SIZE, len - USBIP_OP_COMMON_SIZE, d, diag);
	if (rc < 0) {
		if (diag)
			diag->offset += USBIP_OP_COMMON_SIZE;
		return rc;
	}
	return USBIP_REP_IMPORT_SIZE;
}

/* ---- URB phase ---- */

static void put_basic(uint8_t *out, const struct usbip_header_basic *b)
{
	dfu_put_be32(out, b->command);
	dfu_put_be32(out + 4, b->seqnum);
	dfu_put_be32(out + 8, b->devid);
	dfu_put_be32(out + 12, b->direction);
	dfu_put_be32(out + 16, b->ep);
}

static void get_basic(const uint8_t *in, struct usbip_header_basic *b)
{
	b->command = dfu_get_be32(in);
	b->seqnum = dfu_get_be32(in + 4);
	b->devid = dfu_get_be32(in + 8);
	b->direction = dfu_get_be32(in + 12);
	b->ep = dfu_get_be32(in + 16);
}

/* The 48-byte header is there and holds `command`. */
static int header_expect(const uint8_t *in, size_t len, uint32_t command, struct dfu_diag *diag)
{
	uint32_t got;

	if (len < USBIP_HEADER_SIZE)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, len,
				    "%s header needs %d bytes, have %zu", usbip_command_name(command),
				    USBIP_HEADER_SIZE, len);
	got = dfu_get_be32(in);
	if (got != command)
		return dfu_diag_set(diag, DFU_E_FORMAT, 0,
				    "USB/IP command 0x%08x (%s) at offset 0, expected %s",
				    (unsigned)got, usbip_command_name(got),
				    usbip_command_name(command));
	return 0;
}

int usbip_peek_command(const uint8_t *in, size_t len, struct dfu_diag *diag)
{
	uint32_t command;

	if (len < 4)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, len,
				    "USB/IP command needs 4 bytes, have %zu", len);
	command = dfu_get_be32(in);
	if (command < USBIP_CMD_SUBMIT || command > USBIP_RET_UNLINK)
		return dfu_diag_set(diag, DFU_E_FORMAT, 0,
				    "USB/IP command 0x%08x at offset 0 is none of CMD_SUBMIT, "
				    "CMD_UNLINK, RET_SUBMIT, RET_UNLINK",
				    (unsigned)command);
	return (int)command;
}

size_t usbip_cmd_submit_size(const struct usbip_cmd_submit *m)
{
	size_t size = USBIP_HEADER_SIZE;

	if (m->base.direction == USBIP_DIR_OUT && m->transfer_buffer_length > 0)
		size += (size_t)m->transfer_buffer_length;
	return size;
}

int usbip_cmd_submit_encode(const struct usbip_cmd_submit *m, const uint8_t *data, uint8_t *out,
			    size_t cap)
{
	size_t size;

	if (m->base.direction > USBIP_DIR_IN || m->base.ep > USBIP_MAX_EP ||
	    m->transfer_buffer_length < 0)
		return DFU_E_INVAL;
	size = usbip_cmd_submit_size(m);
	if (size > (size_t)INT32_MAX)
		return DFU_E_INVAL;
	if (size > cap)
		return DFU_E_NOSPACE;
	if (size > USBIP_HEADER_SIZE && !data)
		return DFU_E_INVAL;
	put_basic(out, &m->base);
	dfu_put_be32(out, USBIP_CMD_SUBMIT);
	dfu_put_be32(out + 0x14, m->transfer_flags);
	dfu_put_be32(out + 0x18, (uint32_t)m->transfer_buffer_length);
	dfu_put_be32(out + 0x1C, (uint32_t)m->start_frame);
	dfu_put_be32(out + 0x20, (uint32_t)m->number_of_packets);
	dfu_put_be32(out + 0x24, (uint32_t)m->interval);
	memcpy(out + 0x28, m->setup, 8);
	if (size > USBIP_HEADER_SIZE)
		memcpy(out + USBIP_HEADER_SIZE, data, size - USBIP_HEADER_SIZE);
	return (int)size;
}

int usbip_cmd_submit_decode(const uint8_t *in, size_t len, size_t max_out,
			    struct usbip_cmd_submit *m, const uint8_t **data, struct dfu_diag *diag)
{
	size_t size;
	int rc = header_expect(in, len, USBIP_CMD_SUBMIT, diag);

	if (rc < 0)
		return rc;
	get_basic(in, &m->base);
	m->transfer_flags = dfu_get_be32(in + 0x14);
	m->transfer_buffer_length = (int32_t)dfu_get_be32(in + 0x18);
	m->start_frame = (int32_t)dfu_get_be32(in + 0x1C);
	m->number_of_packets = (int32_t)dfu_get_be32(in + 0x20);
	m->interval = (int32_t)dfu_get_be32(in + 0x24);
	memcpy(m->setup, in + 0x28, 8);
	if (m->base.direction > USBIP_DIR_IN)
		return dfu_diag_set(diag, DFU_E_FORMAT, 12,
				    "CMD_SUBMIT seqnum %u: direction %u at offset 12, expected 0 or 1",
				    (unsigned)m->base.seqnum, (unsigned)m->base.direction);
	if (m->base.ep > USBIP_MAX_EP)
		return dfu_diag_set(diag, DFU_E_FORMAT, 16,
				    "CMD_SUBMIT seqnum %u: endpoint %u at offset 16, expected 0-15",
				    (unsigned)m->base.seqnum, (unsigned)m->base.ep);
	if (m->transfer_buffer_length < 0)
		return dfu_diag_set(diag, DFU_E_FORMAT, 0x18,
				    "CMD_SUBMIT seqnum %u: negative transfer_buffer_length %d at "
				    "offset 24",
				    (unsigned)m->base.seqnum, (int)m->transfer_buffer_length);
	size = usbip_cmd_submit_size(m);
	if (size - USBIP_HEADER_SIZE > max_out)
		return dfu_diag_set(diag, DFU_E_SIZE, 0x18,
				    "CMD_SUBMIT seqnum %u: %zu bytes of OUT data, at most %zu accepted",
				    (unsigned)m->base.seqnum, size - USBIP_HEADER_SIZE, max_out);
	if (len < size)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, len,
				    "CMD_SUBMIT seqnum %u needs %zu bytes with its data, have %zu",
				    (unsigned)m->base.seqnum, size, len);
	if (data)
		*data = size > USBIP_HEADER_SIZE ? in + USBIP_HEADER_SIZE : NULL;
	return (int)size;
}

int usbip_ret_submit_encode(const struct usbip_ret_submit *m, bool dir_in, const uint8_t *data,
			    uint8_t *out, size_t cap)
{
	size_t size = USBIP_HEADER_SIZE;

	if (m->actual_length < 0)
		return DFU_E_INVAL;
	if (dir_in)
		size += (size_t)m->actual_length;
	if (size > (size_t)INT32_MAX)
		return DFU_E_INVAL;
	if (size > cap)
		return DFU_E_NOSPACE;
	if (size > USBIP_HEADER_SIZE && !data)
		return DFU_E_INVAL;
	put_basic(out, &m->base);
	dfu_put_be32(out, USBIP_RET_SUBMIT);
	dfu_put_be32(out + 0x14, (uint32_t)m->status);
	dfu_put_be32(out + 0x18, (uint32_t)m->actual_length);
	dfu_put_be32(out + 0x1C, (uint32_t)m->start_frame);
	dfu_put_be32(out + 0x20, (uint32_t)m->number_of_packets);
	dfu_put_be32(out + 0x24, (uint32_t)m->error_count);
	memset(out + 0x28, 0, 8);
	if (size > USBIP_HEADER_SIZE)
		memcpy(out + USBIP_HEADER_SIZE, data, size - USBIP_HEADER_SIZE);
	return (int)size;
}

int usbip_ret_submit_decode(const uint8_t *in, size_t len, bool dir_in, int32_t requested,
			    struct usbip_ret_submit *m, const uint8_t **data,
			    struct dfu_diag *diag)
{
	size_t size = USBIP_HEADER_SIZE;
	int rc = header_expect(in, len, USBIP_RET_SUBMIT, diag);

	if (rc < 0)
		return rc;
	get_basic(in, &m->base);
	m->status = (int32_t)dfu_get_be32(in + 0x14);
	m->actual_length = (int32_t)dfu_get_be32(in + 0x18);
	m->start_frame = (int32_t)dfu_get_be32(in + 0x1C);
	m->number_of_packets = (int32_t)dfu_get_be32(in + 0x20);
	m->error_count = (int32_t)dfu_get_be32(in + 0x24);
	if (m->actual_length < 0 || m->actual_length > requested)
		return dfu_diag_set(diag, DFU_E_PROTOCOL, 0x18,
				    "RET_SUBMIT seqnum %u: actual_length %d at offset 24, the URB "
				    "asked for %d",
				    (unsigned)m->base.seqnum, (int)m->actual_length, (int)requested);
	if (dir_in)
		size += (size_t)m->actual_length;
	if (len < size)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, len,
				    "RET_SUBMIT seqnum %u needs %zu bytes with its data, have %zu",
				    (unsigned)m->base.seqnum, size, len);
	if (data)
		*data = size > USBIP_HEADER_SIZE ? in + USBIP_HEADER_SIZE : NULL;
	return (int)size;
}

int usbip_cmd_unlink_encode(const struct usbip_cmd_unlink *m, uint8_t *out, size_t cap)
{
	if (cap < USBIP_HEADER_SIZE)
		return DFU_E_NOSPACE;
	memset(out, 0, USBIP_HEADER_SIZE);
	put_basic(out, &m->base);
	dfu_put_be32(out, USBIP_CMD_UNLINK);
	dfu_put_be32(out + 0x14, m->unlink_seqnum);
	return USBIP_HEADER_SIZE;
}

int usbip_cmd_unlink_decode(const uint8_t *in, size_t len, struct usbip_cmd_unlink *m,
			    struct dfu_diag *diag)
{
	int rc = header_expect(in, len, USBIP_CMD_UNLINK, diag);

	if (rc < 0)
		return rc;
	get_basic(in, &m->base);
	m->unlink_seqnum = dfu_get_be32(in + 0x14);
	return USBIP_HEADER_SIZE;
}

int usbip_ret_unlink_encode(const struct usbip_ret_unlink *m, uint8_t *out, size_t cap)
{
	if (cap < USBIP_HEADER_SIZE)
		return DFU_E_NOSPACE;
	memset(out, 0, USBIP_HEADER_SIZE);
	put_basic(out, &m->base);
	dfu_put_be32(out, USBIP_RET_UNLINK);
	dfu_put_be32(out + 0x14, (uint32_t)m->status);
	return USBIP_HEADER_SIZE;
}

int usbip_ret_unlink_decode(const uint8_t *in, size_t len, struct usbip_ret_unlink *m,
			    struct dfu_diag *diag)
{
	int rc = header_expect(in, len, USBIP_RET_UNLINK, diag);

	if (rc < 0)
		return rc;
	get_basic(in, &m->base);
	m->status = (int32_t)dfu_get_be32(in + 0x14);
	return USBIP_HEADER_SIZE;
}
