/* sim_state.c - per-board state files: encode, check, durable replace. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dfu/bytes.h"
#include "dfu/dfu_file.h"
#include "sim/sim_state.h"

size_t sim_state_size(const struct l4_chip *c)
{
	return SIM_STATE_HEADER_SIZE + (size_t)c->p->flash_size + L4_OB_MAX +
	       (size_t)c->p->otp_size + 4;
}

int sim_state_encode(const struct l4_chip *c, uint8_t *out, size_t cap)
{
	size_t size = sim_state_size(c), pos;
	const struct l4_profile *p = c->p;

	if (cap < size)
		return DFU_E_NOSPACE;
	memset(out, 0, SIM_STATE_HEADER_SIZE);
	memcpy(out, SIM_STATE_MAGIC, 8);
	dfu_put_le32(out + 8, SIM_STATE_VERSION);
	dfu_put_le32(out + 12, SIM_STATE_HEADER_SIZE);
	snprintf((char *)out + 16, 32, "%s", p->name);
	dfu_put_le32(out + 48, p->flash_size);
	dfu_put_le32(out + 52, L4_OB_MAX);
	dfu_put_le32(out + 56, p->otp_size);
	memcpy(out + 60, c->uid, L4_UID_SIZE);
	dfu_put_le32(out + 72, (uint32_t)c->mutations);
	dfu_put_le32(out + 76, (uint32_t)(c->mutations >> 32));
	pos = SIM_STATE_HEADER_SIZE;
	memcpy(out + pos, c->flash, p->flash_size);
	pos += p->flash_size;
	memcpy(out + pos, c->ob_flash, L4_OB_MAX);
	pos += L4_OB_MAX;
	memcpy(out + pos, c->otp, p->otp_size);
	pos += p->otp_size;
	dfu_put_le32(out + pos, dfu_crc32(DFU_CRC_INIT, out, pos));
	return (int)size;
}

int sim_state_decode(const uint8_t *in, size_t len, const struct l4_profile *p,
		     struct sim_state *st, struct dfu_diag *diag)
{
	uint32_t version, hsize, crc;
	size_t body;

	memset(st, 0, sizeof(*st));
	if (len < 8 || memcmp(in, SIM_STATE_MAGIC, 8) != 0)
		return dfu_diag_set(diag, DFU_E_FORMAT, 0,
				    "not a dfu-sim state file (it does not start with \"%s\")",
				    SIM_STATE_MAGIC);
	if (len < SIM_STATE_HEADER_SIZE)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, len,
				    "state file is cut short: %zu bytes, the header alone is %d",
				    len, SIM_STATE_HEADER_SIZE);
	version = dfu_get_le32(in + 8);
	hsize = dfu_get_le32(in + 12);
	if (version != SIM_STATE_VERSION || hsize != SIM_STATE_HEADER_SIZE)
		return dfu_diag_set(diag, DFU_E_FORMAT, 8,
				    "state file format %u (header %u bytes); this dfu-sim reads "
				    "format %d",
				    (unsigned)version, (unsigned)hsize, SIM_STATE_VERSION);
	memcpy(st->profile, in + 16, 31);
	st->profile[31] = 0;
	st->flash_size = dfu_get_le32(in + 48);
	st->ob_size = dfu_get_le32(in + 52);
	st->otp_size = dfu_get_le32(in + 56);
	memcpy(st->uid, in + 60, L4_UID_SIZE);
	st->mutations = (uint64_t)dfu_get_le32(in + 72) | ((uint64_t)dfu_get_le32(in + 76) << 32);
	body = (size_t)st->flash_size + st->ob_size + st->otp_size;
	if (len - SIM_STATE_HEADER_SIZE < 4 || body != len - SIM_STATE_HEADER_SIZE - 4)
		return dfu_diag_set(diag,
				    len - SIM_STATE_HEADER_SIZE < 4 ||
						    body > len - SIM_STATE_HEADER_SIZE - 4
					    ? DFU_E_TRUNCATED
					    : DFU_E_SIZE,
				    len,
				    "state file is %zu bytes, its header announces %zu",
				    len, (size_t)SIM_STATE_HEADER_SIZE + body + 4);
	crc = dfu_crc32(DFU_CRC_INIT, in, len - 4);
	if (crc != dfu_get_le32(in + len - 4))
		return dfu_diag_set(diag, DFU_E_CRC, len - 4,
				    "state file CRC-32 is 0x%08X, its contents give 0x%08X: the "
				    "file is corrupt",
				    (unsigned)dfu_get_le32(in + len - 4), (unsigned)crc);
	if (strcmp(st->profile, p->name) != 0 || st->flash_size != p->flash_size ||
	    st->ob_size != L4_OB_MAX || st->otp_size != p->otp_size)
		return dfu_diag_set(diag, DFU_E_UNSUPPORTED, 16,
				    "state file was saved for chip %s (%u KiB flash), not for %s "
				    "(%u KiB)",
				    st->profile, (unsigned)(st->flash_size / 1024), p->name,
				    (unsigned)(p->flash_size / 1024));
	st->flash = in + SIM_STATE_HEADER_SIZE;
	st->ob = st->flash + st->flash_size;
	st->otp = st->ob + st->ob_size;
	return 0;
}

void sim_state_apply(const struct sim_state *st, struct l4_chip *c)
{
	memcpy(c->flash, st->flash, st->flash_size);
	memcpy(c->ob_flash, st->ob, st->ob_size);
	memcpy(c->otp, st->otp, st->otp_size);
	l4_chip_set_uid(c, st->uid);
	c->mutations = st->mutations;
}

int sim_state_read(const char *path, const struct l4_profile *p, struct sim_state *st,
		   struct dfu_diag *diag)
{
	struct stat sb;
	uint8_t *buf;
	size_t got = 0;
	int fd, rc;

	memset(st, 0, sizeof(*st));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dfu_diag_set(diag, errno == ENOENT ? DFU_E_NOTFOUND : DFU_E_IO, 0, "%s: %s",
				    path, strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > (off_t)(64u << 20)) {
		close(fd);
		return dfu_diag_set(diag, DFU_E_IO, 0, "%s: not a regular file of sensible size",
				    path);
	}
	buf = malloc(sb.st_size ? (size_t)sb.st_size : 1);
	if (!buf) {
		close(fd);
		return DFU_E_NOMEM;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = errno;

			close(fd);
			free(buf);
			return dfu_diag_set(diag, DFU_E_IO, got, "%s: read: %s", path,
					    n < 0 ? strerror(e) : "file shrank while reading");
		}
		got += (size_t)n;
	}
	close(fd);
	rc = sim_state_decode(buf, got, p, st, diag);
	if (rc < 0) {
		free(buf);
		memset(st, 0, sizeof(*st));
		return rc;
	}
	st->owned = buf;
	return 0;
}

void sim_state_free(struct sim_state *st)
{
	free(st->owned);
	memset(st, 0, sizeof(*st));
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int sim_state_write(const char *dir, const char *name, const struct l4_chip *c,
		    struct dfu_diag *diag)
{
	char tmp[4096], final[4096];
	size_t size = sim_state_size(c);
	uint8_t *buf = malloc(size);
	int fd, dfd, e;

	if (!buf)
		return DFU_E_NOMEM;
	sim_state_encode(c, buf, size);
	snprintf(final, sizeof(final), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%ld", dir, name, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		e = errno;
		free(buf);
		return dfu_diag_set(diag, DFU_E_IO, 0, "%s: %s", tmp, strerror(e));
	}
	if (write_all(fd, buf, size) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		free(buf);
		return dfu_diag_set(diag, DFU_E_IO, 0, "%s: write: %s", tmp, strerror(e));
	}
	free(buf);
	if (close(fd) < 0 || rename(tmp, final) < 0) {
		e = errno;
		unlink(tmp);
		return dfu_diag_set(diag, DFU_E_IO, 0, "%s: %s", final, strerror(e));
	}
	/* The rename itself must reach the disk before we say "done". */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		e = errno;
		if (dfd >= 0)
			close(dfd);
		return dfu_diag_set(diag, DFU_E_IO, 0, "%s: fsync of the directory: %s", dir,
				    strerror(e));
	}
	close(dfd);
	return 0;
}
