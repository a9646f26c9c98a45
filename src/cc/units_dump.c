/* suture-units-dump FILE...: prints the unit records of ELF files as one
 * JSON array per file, one line each.  A test helper (not installed):
 * tests check records through the same parser suture impact uses. */
#include "cc/unit_record.h"
#include "common/error.h"
#include "common/json.h"

#include <stdio.h>

/* A field the record lacks prints as "", so every field is a string. */
static void print_string(const char *s)
{
	json_string(stdout, s ? s : "");
}

static void print_list(const char *key, char **list, size_t n)
{
	printf(", \"%s\": [", key);
	for (size_t i = 0; i < n; i++) {
		if (i)
			printf(", ");
		print_string(list[i]);
	}
	printf("]");
}

static void print_record(const struct unit_record *rec)
{
	const char *keys[] = { "source", "directory", "output", "level", "gcc", "padding" };
	const char *values[] = { rec->source, rec->directory, rec->output,
				 rec->level, rec->gcc, rec->padding };
	printf("{");
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		printf("%s\"%s\": ", i ? ", " : "", keys[i]);
		print_string(values[i]);
	}
	print_list("args", rec->args, rec->n_args);
	print_list("added", rec->added, rec->n_added);
	print_list("ipa_clones", rec->ipa_clones, rec->n_ipa_clones);
	printf("}");
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		struct elf_file *ef = elf_file_open(argv[i]);
		struct unit_records recs = { 0 };
		if (!ef || unit_records_read(ef, &recs) < 0) {
			err_print("suture-units-dump");
			elf_file_close(ef);
			return EXIT_FAILED;
		}
		printf("[");
		for (size_t u = 0; u < recs.n_units; u++) {
			if (u)
				printf(", ");
			print_record(&recs.units[u]);
		}
		printf("]\n");
		unit_records_free(&recs);
		elf_file_close(ef);
	}
	return EXIT_DONE;
}
