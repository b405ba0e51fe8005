/* l412_tiny.c - a tiny Cortex-M4 firmware for the STM32L412, built only so
 * that real tools (arm-none-eabi-gcc, objcopy, srec_cat) make the .elf,
 * .hex, .s19 and .bin files the firmware loaders are tested on.
 *
 * It never runs in a test; it is still a real program: the reset handler
 * copies .data from flash, clears .bss and counts in a loop. Built with
 * -nostdlib -mcpu=cortex-m4 -mthumb and l412_tiny.ld, which places each
 * section. */
#include <stdint.h>

extern uint32_t data_start, data_end, data_load, bss_start, bss_end, sram1_top;

void reset_handler(void);
void fault_handler(void);
int main(void);

/* The first words of flash: the initial stack pointer (the top of SRAM1),
 * then handler addresses, which have bit 0 set as Thumb code requires. */
__attribute__((section(".isr_vector"), used))
static const void *const vectors[4] = {
	&sram1_top,
	(const void *)reset_handler,
	(const void *)fault_handler,	/* NMI */
	(const void *)fault_handler,	/* HardFault */
};

/* A block of calibration constants at its own address (0x08000200). */
__attribute__((section(".calib"), used))
static const uint32_t calib[4] = { 0xCA11B000u, 0x00000412u, 0x5A5AA5A5u, 0x0000FFFFu };

static const char greeting[] = "dfulab tiny firmware";

/* Initialised data: loaded from flash, run from SRAM1. */
volatile uint32_t counter = 0x12345678u;
volatile const char *volatile message = greeting;

/* Zeroed at reset: in no file. */
volatile uint32_t scratch[8];

void fault_handler(void)
{
	for (;;)
		;
}

int main(void)
{
	for (;;) {
		counter++;
		scratch[counter & 7] = calib[counter & 3] ^ (uint32_t)message[counter % 20];
	}
}

void reset_handler(void)
{
	uint32_t *src = &data_load, *dst = &data_start;

	while (dst < &data_end)
		*dst++ = *src++;
	for (dst = &bss_start; dst < &bss_end; dst++)
		*dst = 0;
	main();
}
