#include "cc/asm_rewrite.h"
#include "cc/unit_record.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Is LINE (up to its newline) a ".LPFE<digits>:" label? */
static bool is_entry_label(const char *line)
{
	if (strncmp(line, ".LPFE", 5) != 0)
		return false;
	const char *p = line + 5;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return p[0] == ':' && p[1] == '\n';
}

/* Are the five lines at P exactly "\tnop\n"? */
static bool five_nops(const char *p)
{
	for (int i = 0; i < 5; i++, p += 5)
		if (strncmp(p, "\tnop\n", 5) != 0)
			return false;
	return true;
}

#define TYPE_PREFIX "\t.type\t"
#define TYPE_SUFFIX ", @function\n"
#define ENTRIES_PREFIX "\t.section\t__patchable_function_entries,\"awo\",@progbits,"

/* Remembers the function a `.type NAME, @function` line declares. */
static void note_function(const char *line, size_t len, struct buf *function)
{
	size_t pre = strlen(TYPE_PREFIX), suf = strlen(TYPE_SUFFIX);
	if (len <= pre + suf || strncmp(line, TYPE_PREFIX, pre) != 0 ||
	    strncmp(line + len - suf, TYPE_SUFFIX, suf) != 0)
		return;
	function->len = 0;
	buf_add(function, line + pre, len - pre - suf);
}

size_t asm_rewrite_padding(const char *asm_text, struct buf *out)
{
	size_t rewritten = 0;
	struct buf function = { 0 };
	const char *line = asm_text;
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
		note_function(line, len, &function);
		if (function.len && nl && strncmp(line, ENTRIES_PREFIX, strlen(ENTRIES_PREFIX)) == 0) {
			/* GCC 12 links every entry record to the first function's
			 * section, so --gc-sections drops them all with it; link
			 * each to its own function's section instead. */
			buf_printf(out, ENTRIES_PREFIX "%s\n", function.data);
			line += len;
			continue;
		}
		buf_add(out, line, len);
		if (nl && is_entry_label(line) && five_nops(line + len)) {
			buf_addstr(out, NOP5_DIRECTIVE);
			len += 5 * 5;
			rewritten++;
		}
		line += len;
	}
	buf_free(&function);
	return rewritten;
}

char *asm_source_name(const char *asm_text)
{
	const char *p = strstr(asm_text, "\t.file\t\"");
	if (!p)
		return NULL;
	p += strlen("\t.file\t\"");
	struct buf name = { 0 };
	buf_add(&name, "", 0);
	/* GCC escapes '"' and '\\' with a backslash and other bytes as \ooo. */
	for (; *p && *p != '"' && *p != '\n'; p++) {
		char c = *p;
		if (c == '\\' && p[1] >= '0' && p[1] <= '7') {
			int value = 0, digits = 0;
			while (digits < 3 && p[1] >= '0' && p[1] <= '7')
				value = value * 8 + (*++p - '0'), digits++;
			c = (char)value;
		} else if (c == '\\' && p[1]) {
			c = *++p;
		}
		buf_add(&name, &c, 1);
	}
	return name.data;
}

void asm_append_record(struct buf *out, const char *record, size_t size)
{
	buf_printf(out, "\t.section\t%s,\"\",@progbits\n", UNIT_RECORD_SECTION);
	size_t col = 0;
	for (size_t i = 0; i < size; i++) {
		unsigned char c = (unsigned char)record[i];
		if (col == 0)
			buf_addstr(out, "\t.ascii\t\"");
		if (c == '"' || c == '\\')
			buf_printf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			buf_printf(out, "\\%03o", c);
		else
			buf_add(out, &c, 1);
		if (++col == 64 || c == '\n' || i + 1 == size) {
			buf_addstr(out, "\"\n");
			col = 0;
		}
	}
}
