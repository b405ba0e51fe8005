/*
 * board_spec.h - one description of a set of emulated boards, and the one
 * grammar that writes it: which chip, how many, BOOT0, timing, leave action,
 * option-byte reset, application model, quirks, serials, an initial image,
 * and the switches of the generic DFU 1.1 device.
 *
 * Three front ends read it and must agree: dfu-sim's flags (`--count 2`),
 * dfu-flash's `--sim CHIP[,key=value]...` and a scenario's
 * `chip CHIP [key value]...` line. Each key is one row of a table in
 * board_spec.c (name, values, default, help line, setter), and so is each
 * quirk; the help text of every front end is printed from those rows.
 * Parsing never touches a board: sim_board_spec_board_config() and
 * sim_board_spec_dfu11_config() turn a finished spec into the configuration
 * of board i. Nothing here allocates; the only I/O is the help text and
 * asking whether an image name that holds '@' names an existing file.
 */
#ifndef SIM_BOARD_SPEC_H
#define SIM_BOARD_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/dfu11_device.h"
#include "sim/l4_profile.h"
#include "sim/sim_board.h"

#define SIM_BOARD_SPEC_MAX_COUNT 32	/* boards one spec can make */
#define SIM_BOARD_SPEC_SERIAL_MAX 31	/* characters of a serial number */
#define SIM_BOARD_SPEC_IMAGE_MAX 4096	/* bytes of an image path, with its NUL */
#define SIM_BOARD_SPEC_DEFAULT_CHIP "stm32l412xb"
#define SIM_BOARD_SPEC_DFU11 "dfu11"	/* the chip name of the generic DFU 1.1 device */

enum sim_board_kind {
	SIM_BOARD_KIND_L4,	/* an STM32L4 with ST's ROM bootloader (sim_board.h) */
	SIM_BOARD_KIND_DFU11,	/* the generic DFU 1.1 device (dfu11_device.h) */
};

/* How the key of a message is written: the front end's own syntax. */
enum sim_board_spec_form {
	SIM_BOARD_SPEC_FORM_LIST,	/* "count=2" (--sim, and sim_board_spec_parse) */
	SIM_BOARD_SPEC_FORM_FLAGS,	/* "--count 2" (dfu-sim) */
	SIM_BOARD_SPEC_FORM_WORDS,	/* "count 2" (a scenario's chip line) */
};

/* One fault profile from field reports ([model-quirks]). */
struct sim_board_quirk {
	const char *name;	/* "erase-stall" */
	unsigned bit;		/* SIM_QUIRK_* */
	const char *help;	/* one line */
};
size_t sim_board_quirk_count(void);
const struct sim_board_quirk *sim_board_quirk_at(size_t i);
/* By name (case-insensitive), or NULL. */
const struct sim_board_quirk *sim_board_quirk_find(const char *name);
/* The name of one SIM_QUIRK_* bit, or NULL. */
const char *sim_board_quirk_name(unsigned bit);

struct sim_board_spec {
	enum sim_board_spec_form form;	/* for messages; LIST after init */
	enum sim_board_kind kind;
	const struct l4_profile *profile;	/* the chip (NULL for dfu11) */
	unsigned count;
	/* STM32 boards */
	bool boot0;
	enum sim_timing timing;
	bool leave_set;			/* else the profile's leave action */
	enum l4_leave_action leave;
	bool ob_reset_set;		/* else the profile's reset after an OB write */
	enum l4_ob_reset ob_reset;
	enum sim_app_model app;
	unsigned quirks;		/* SIM_QUIRK_* */
	char image[SIM_BOARD_SPEC_IMAGE_MAX];	/* "" for none: virgin flash */
	bool image_addr_set;		/* else the flash base (a raw image) */
	uint32_t image_addr;
	/* both kinds: serial of board 0, 1, ... (later boards: their default) */
	char serials[SIM_BOARD_SPEC_MAX_COUNT][SIM_BOARD_SPEC_SERIAL_MAX + 1];
	unsigned nserials;
	/* dfu11: the device's switches (serial unused; see serials) */
	struct sim_dfu11_config dfu11;
	unsigned given;			/* which keys were given (for the checks) */
};

/* The defaults: one stm32l412xb, BOOT0 low, instant timing, the profile's
 * leave action and option-byte reset, a silent application, no quirks, no
 * image, serials from the chip's UID; dfu11: sim_dfu11_config_default(). */
void sim_board_spec_init(struct sim_board_spec *s);

/*
 * "CHIP[,key=value]..." (dfu-flash's --sim). Starts from the defaults,
 * sets every pair and checks the result (sim_board_spec_check). 0, or
 * DFU_E_USAGE with a sentence in `msg` naming the key, the value and what
 * is accepted. An image name cannot hold a comma in this form.
 */
int sim_board_spec_parse(struct sim_board_spec *s, const char *text, char *msg, size_t cap);

/* One key (a dfu-sim flag without "--", a scenario's word): 0 or
 * DFU_E_USAGE with the sentence in `msg`. `serial` and `quirk` add one
 * more each time; the others replace. */
int sim_board_spec_set(struct sim_board_spec *s, const char *key, const char *value, char *msg,
		       size_t cap);

/* After the last sim_board_spec_set(): keys that do not apply to the chip
 * (boot0 for dfu11, xfer for an STM32), more serials than boards. */
int sim_board_spec_check(const struct sim_board_spec *s, char *msg, size_t cap);

/* The configuration of board `i` (0..count-1) of an STM32 spec. */
void sim_board_spec_board_config(const struct sim_board_spec *s, size_t i,
				 struct sim_board_config *cfg);
/* The configuration of device `i` of a dfu11 spec. cfg->serial points into
 * `s` or at sim_dfu11_config_default()'s text; sim_dfu11_init() copies it. */
void sim_board_spec_dfu11_config(const struct sim_board_spec *s, size_t i,
				 struct sim_dfu11_config *cfg);

/* The value of one key as the grammar writes it ("datasheet", "2",
 * "jump"): 1 with it in `out`, 0 when the key has no value (leave and
 * ob-reset left to the profile, no image), DFU_E_INVAL for the repeatable
 * serial and quirk, DFU_E_NOTFOUND for an unknown key, DFU_E_NOSPACE. */
int sim_board_spec_value(const struct sim_board_spec *s, const char *key, char *out, size_t cap);

/* The spec back in its list form, "CHIP[,key=value]...", with the keys
 * that were given (the others are the defaults everywhere), repeatable
 * ones once per value: what another front end (a dfu-sim started for a
 * scenario) parses into the same boards. The length, or DFU_E_NOSPACE. */
int sim_board_spec_format(const struct sim_board_spec *s, char *out, size_t cap);

/* The chip's name as the spec writes it: a profile name or "dfu11". */
const char *sim_board_spec_chip_name(const struct sim_board_spec *s);

/* Every key with its values, default and meaning, and every quirk, one per
 * line, written in `form` ("  --count N ..." or "  count=N ..."). */
void sim_board_spec_help(FILE *out, enum sim_board_spec_form form);

/* The keys, for a front end that builds its own option table. */
size_t sim_board_spec_key_count(void);
const char *sim_board_spec_key_at(size_t i);

#endif
