/*
 * replay_main.c - run a fuzz harness over every kept input, as a cmocka test.
 *
 * Usage: replay_<name> DIR...   Each regular file in each DIR is one input.
 * A crash, sanitizer report or assertion in the harness fails the test; the
 * summary says how many inputs ran. A missing DIR counts as empty.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int g_argc;
static char **g_argv;

static size_t run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;
		FILE *f;
		uint8_t *buf;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		buf = malloc(st.st_size ? (size_t)st.st_size : 1);
		assert_non_null(buf);
		f = fopen(path, "rb");
		assert_non_null(f);
		assert_int_equal(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)st.st_size);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

static void test_every_kept_input_runs_clean(void **state)
{
	size_t total = 0;
	(void)state;
	for (int i = 1; i < g_argc; i++)
		total += run_dir(g_argv[i]);
	/* Also the degenerate inputs, whatever the corpus holds. */
	LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
	LLVMFuzzerTestOneInput((const uint8_t *)"\xff", 1);
	printf("replayed %zu kept inputs\n", total);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kept_input_runs_clean),
	};
	g_argc = argc;
	g_argv = argv;
	return cmocka_run_group_tests_name("fuzz replay", tests, NULL, NULL);
}
