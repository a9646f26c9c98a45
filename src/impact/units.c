#include "impact/units.h"
#include "common/error.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

#define UNITS_SECTION ".suture.units"
#define UNITS_VERSION "1"

static void add_string(char ***vec, size_t *n, const char *s, size_t len)
{
	*vec = xrealloc(*vec, (*n + 1) * sizeof **vec);
	(*vec)[*n] = strndup(s, len);
	if (!(*vec)[*n])
		(*vec)[*n] = xstrdup("");   /* strndup only fails on ENOMEM */
	(*n)++;
}

/* Stores VALUE (of length LEN) under KEY; unknown keys are ignored, as the
 * format allows later versions to add some. */
static void set_key(struct unit_record *u, const char *key, size_t keylen,
		    const char *value, size_t len)
{
	char **slot = NULL;
#define KEY(name) (keylen == strlen(name) && memcmp(key, name, keylen) == 0)
	if (KEY("source"))
		slot = &u->source;
	else if (KEY("directory"))
		slot = &u->directory;
	else if (KEY("output"))
		slot = &u->output;
	else if (KEY("level"))
		slot = &u->level;
	else if (KEY("gcc"))
		slot = &u->gcc;
	else if (KEY("padding"))
		slot = &u->padding;
	else if (KEY("arg"))
		add_string(&u->args, &u->n_args, value, len);
	else if (KEY("added"))
		add_string(&u->added, &u->n_added, value, len);
#undef KEY
	if (slot) {
		free(*slot);
		*slot = xasprintf("%.*s", (int)len, value);
	}
}

/* One record: TEXT of LEN bytes, without its terminating NUL. */
static int parse_record(const char *text, size_t len, const char *where, struct unit_record *u)
{
	const char *end = text + len;
	const char *line = text;
	bool first = true;
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *eol = nl ? nl : end;
		size_t linelen = (size_t)(eol - line);
		if (first) {
			if (linelen < 12 || memcmp(line, "suture-unit ", 12) != 0)
				return err_set("%s: %s holds a record that does not start with "
					       "'suture-unit'; was it written by suture-cc?",
					       where, UNITS_SECTION);
			if (linelen - 12 != strlen(UNITS_VERSION) ||
			    memcmp(line + 12, UNITS_VERSION, linelen - 12) != 0)
				return err_set("%s: unit record version '%.*s' is not supported "
					       "(this suture reads version %s); use the suture "
					       "that matches the suture-cc it was built with",
					       where, (int)(linelen - 12), line + 12, UNITS_VERSION);
			first = false;
		} else if (linelen == 10 && memcmp(line, "ipa-clones", 10) == 0) {
			const char *dump = nl ? nl + 1 : end;
			u->ipa_clones = xasprintf("%.*s", (int)(end - dump), dump);
			return 0;
		} else if (linelen > 0) {
			const char *space = memchr(line, ' ', linelen);
			size_t keylen = space ? (size_t)(space - line) : linelen;
			const char *value = space ? space + 1 : eol;
			set_key(u, line, keylen, value, (size_t)(eol - value));
		}
		line = nl ? nl + 1 : end;
	}
	if (first)
		return err_set("%s: empty unit record in %s", where, UNITS_SECTION);
	u->ipa_clones = xstrdup("");
	return 0;
}

static void unit_free(struct unit_record *u);

int units_parse(const char *data, size_t size, const char *where, struct unit_list *list)
{
	size_t pos = 0;
	while (pos < size) {
		const char *start = data + pos;
		const char *nul = memchr(start, '\0', size - pos);
		size_t len = nul ? (size_t)(nul - start) : size - pos;
		pos += len + 1;
		if (len == 0)
			continue;   /* padding between records */
		struct unit_record u = {0};
		if (parse_record(start, len, where, &u) < 0) {
			unit_free(&u);
			return -1;
		}
		list->units = xrealloc(list->units, (list->n + 1) * sizeof *list->units);
		list->units[list->n++] = u;
	}
	return 0;
}

int units_read_elf(struct elf_file *ef, struct unit_list *list)
{
	Elf_Scn *scn = elf_file_section(ef, UNITS_SECTION);
	if (!scn)
		return 0;
	Elf_Data *data = elf_file_data(scn);
	if (!data || !data->d_buf)
		return 0;
	size_t before = list->n;
	if (units_parse(data->d_buf, data->d_size, ef->path, list) < 0)
		return -1;
	return (int)(list->n - before);
}

static void free_strings(char **vec, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(vec[i]);
	free(vec);
}

static void unit_free(struct unit_record *u)
{
	free(u->source);
	free(u->directory);
	free(u->output);
	free(u->level);
	free(u->gcc);
	free(u->padding);
	free_strings(u->args, u->n_args);
	free_strings(u->added, u->n_added);
	free(u->ipa_clones);
}

void units_free(struct unit_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		unit_free(&list->units[i]);
	free(list->units);
	list->units = NULL;
	list->n = 0;
}
