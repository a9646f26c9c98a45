#include "cc/asm_rewrite.h"
#include "cc/asm_first_insn.h"
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

/* Are the N lines at P exactly "\tnop\n"? */
static bool nops(const char *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++, p += 5)
		if (strncmp(p, "\tnop\n", 5) != 0)
			return false;
	return true;
}

#define ENTRIES_PREFIX "\t.section\t__patchable_function_entries,\"awo\",@progbits,"
#define QUAD_PREFIX "\t.quad\t"

/* The label (".LPFE<n>") an entry record at LINE holds: GCC writes
 * `.align 8` and `.quad .LPFE<n>` right after the section line.  Copied
 * into LABEL; false when the lines are not that. */
static bool record_label(const char *line, struct buf *label)
{
	for (int i = 0; i < 3 && (line = strchr(line, '\n')); i++) {
		line++;
		if (strncmp(line, QUAD_PREFIX, strlen(QUAD_PREFIX)) == 0) {
			const char *name = line + strlen(QUAD_PREFIX);
			label->len = 0;
			buf_add(label, name, strcspn(name, "\n"));
			return str_starts_with(name, ".LPFE");
		}
	}
	return false;
}

/* Writes the padding GCC spelled as FORM's NOPs in suture's form.  TEXT is
 * right after the NOPs; returns how much more of it was consumed. */
static size_t write_padding(const struct entry_form *form, const char *text, struct buf *out)
{
	if (!form->room) {
		buf_addstr(out, NOP5_DIRECTIVE);
		return 0;
	}
	buf_printf(out, ROOM_DIRECTIVE, form->gcc_nops);
	return asm_first_insn(text, out);
}

size_t asm_rewrite_padding(const char *asm_text, const struct entry_form *form, struct buf *out)
{
	size_t rewritten = 0;
	struct buf label = { 0 };
	const char *line = asm_text;
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
		if (nl && strncmp(line, ENTRIES_PREFIX, strlen(ENTRIES_PREFIX)) == 0 &&
		    record_label(line, &label)) {
			/* GCC 12 links every entry record to the first function's
			 * section, so --gc-sections drops them all with it; link
			 * each to the section of the padding it records. */
			buf_printf(out, ENTRIES_PREFIX "%s\n", label.data);
			line += len;
			continue;
		}
		buf_add(out, line, len);
		line += len;
		if (nl && is_entry_label(line - len) && nops(line, form->gcc_nops)) {
			line += 5 * form->gcc_nops;
			line += write_padding(form, line, out);
			rewritten++;
		}
	}
	buf_free(&label);
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
