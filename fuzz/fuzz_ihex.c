/* fuzz_ihex.c - an Intel HEX file, however broken. The loader must stay inside the
 * input and the caller's storage, refuse with a message, and on success
 * leave an image whose ranges are sorted, apart and fully backed by its
 * data; a load into tiny storage must fail for room alone or agree. */
#include <stdint.h>

#include "fw_image_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_fw_loader(data, size, dfu_fw_load_ihex);
}
