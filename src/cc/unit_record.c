/* Unit records in text form: see docs/unit-records.md. */
#include "cc/unit_record.h"
#include "common/error.h"

#include <stdlib.h>
#include <string.h>

/* One value per line: a newline inside a value would start a new key. */
static void add_line(struct buf *out, const char *key, const char *value)
{
	buf_addstr(out, key);
	if (value) {
		buf_addstr(out, " ");
		for (const char *p = value; *p; p++)
			buf_add(out, *p == '\n' ? " " : p, 1);
	}
	buf_addstr(out, "\n");
}

void unit_record_format(const struct unit_record *rec, struct buf *out)
{
	buf_printf(out, "suture-unit %d\n", UNIT_RECORD_VERSION);
	add_line(out, "source", rec->source);
	add_line(out, "directory", rec->directory);
	add_line(out, "output", rec->output);
	add_line(out, "level", rec->level);
	add_line(out, "gcc", rec->gcc);
	add_line(out, "padding", rec->padding);
	for (size_t i = 0; i < rec->n_args; i++)
		add_line(out, "arg", rec->args[i]);
	for (size_t i = 0; i < rec->n_added; i++)
		add_line(out, "added", rec->added[i]);
	add_line(out, "ipa-clones", NULL);
	for (size_t i = 0; i < rec->n_ipa_clones; i++) {
		buf_addstr(out, rec->ipa_clones[i]);
		buf_addstr(out, "\n");
	}
	buf_add(out, "", 1);
}

static void push(char ***list, size_t *n, const char *value)
{
	*list = xrealloc(*list, (*n + 1) * sizeof **list);
	(*list)[(*n)++] = xstrdup(value);
}

/* Stores VALUE for KEY; unknown keys are ignored (later versions may add
 * some). */
static void set_field(struct unit_record *rec, const char *key, const char *value)
{
	struct { const char *key; char **field; } scalars[] = {
		{ "source", &rec->source },       { "directory", &rec->directory },
		{ "output", &rec->output },       { "level", &rec->level },
		{ "gcc", &rec->gcc },             { "padding", &rec->padding },
	};
	for (size_t i = 0; i < ARRAY_SIZE(scalars); i++) {
		if (strcmp(key, scalars[i].key) == 0) {
			free(*scalars[i].field);
			*scalars[i].field = xstrdup(value);
			return;
		}
	}
	if (strcmp(key, "arg") == 0)
		push(&rec->args, &rec->n_args, value);
	else if (strcmp(key, "added") == 0)
		push(&rec->added, &rec->n_added, value);
}

/* Parses one record, TEXT being NUL-terminated and modifiable. */
static int parse_one(const char *name, char *text, struct unit_record *rec)
{
	memset(rec, 0, sizeof *rec);
	char *save = NULL;
	char *line = strtok_r(text, "\n", &save);
	if (!line || !str_starts_with(line, "suture-unit "))
		return err_set("%s: a %s record does not start with 'suture-unit'; "
			       "the section is damaged, rebuild the file with suture-cc",
			       name, UNIT_RECORD_SECTION);
	int version = atoi(line + strlen("suture-unit "));
	if (version != UNIT_RECORD_VERSION)
		return err_set("%s: unit record version %d is not supported (this suture reads "
			       "version %d); use the suture that built the file",
			       name, version, UNIT_RECORD_VERSION);

	bool in_clones = false;
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (in_clones) {
			push(&rec->ipa_clones, &rec->n_ipa_clones, line);
			continue;
		}
		if (strcmp(line, "ipa-clones") == 0) {
			in_clones = true;
			continue;
		}
		char *space = strchr(line, ' ');
		if (space)
			*space = '\0';
		set_field(rec, line, space ? space + 1 : "");
	}
	return 0;
}

int unit_records_parse(const char *name, const char *data, size_t size,
		       struct unit_records *recs)
{
	size_t start = 0;
	while (start < size) {
		const char *end = memchr(data + start, '\0', size - start);
		size_t len = end ? (size_t)(end - (data + start)) : size - start;
		if (len > 0) {
			char *text = xmalloc(len + 1);
			memcpy(text, data + start, len);
			text[len] = '\0';
			struct unit_record rec;
			int rc = parse_one(name, text, &rec);
			free(text);
			if (rc < 0) {
				unit_record_free(&rec);
				return -1;
			}
			recs->units = xrealloc(recs->units, (recs->n_units + 1) * sizeof *recs->units);
			recs->units[recs->n_units++] = rec;
		}
		start += len + 1;
	}
	return 0;
}

int unit_records_read(struct elf_file *ef, struct unit_records *recs)
{
	/* Usually one section; `ld -r` or objcopy may leave several. */
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(ef->elf, scn))) {
		const char *name = elf_file_section_name(ef, scn);
		if (!name || strcmp(name, UNIT_RECORD_SECTION) != 0)
			continue;
		Elf_Data *data = elf_file_data(scn);
		if (!data)
			return err_set("%s: unreadable %s section (%s)", ef->path,
				       UNIT_RECORD_SECTION, elf_errmsg(-1));
		if (unit_records_parse(ef->path, data->d_buf, data->d_size, recs) < 0)
			return -1;
	}
	return 0;
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

void unit_record_free(struct unit_record *rec)
{
	free(rec->source);
	free(rec->directory);
	free(rec->output);
	free(rec->level);
	free(rec->gcc);
	free(rec->padding);
	free_list(rec->args, rec->n_args);
	free_list(rec->added, rec->n_added);
	free_list(rec->ipa_clones, rec->n_ipa_clones);
	memset(rec, 0, sizeof *rec);
}

void unit_records_free(struct unit_records *recs)
{
	for (size_t i = 0; i < recs->n_units; i++)
		unit_record_free(&recs->units[i]);
	free(recs->units);
	recs->units = NULL;
	recs->n_units = 0;
}
