#include "cc/asm_first_insn.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The registers a 1-byte push/pop can name (no REX prefix), by number. */
static const char *const legacy_regs[] = {
	"%rax", "%rcx", "%rdx", "%rbx", "%rsp", "%rbp", "%rsi", "%rdi"
};

static int legacy_reg(const char *operand, size_t len)
{
	for (int r = 0; r < 8; r++)
		if (len == strlen(legacy_regs[r]) && strncmp(operand, legacy_regs[r], len) == 0)
			return r;
	return -1;
}

/* Every other instruction x86-64 encodes in one byte (opcodes without
 * ModRM or immediate), as GCC's AT&T mnemonics. */
static const char *const one_byte[] = {
	"nop", "cwtl", "cltd", "wait", "fwait", "pushf", "pushfq", "popf", "popfq",
	"sahf", "lahf", "movsb", "movsl", "cmpsb", "cmpsl", "stosb", "stosl", "lodsb",
	"lodsl", "scasb", "scasl", "leave", "leaveq", "int3", "iret", "iretl", "xlat",
	"xlatb", "int1", "icebp", "hlt", "cmc", "clc", "stc", "cli", "sti", "cld", "std",
	NULL
};

static bool is_one_byte(const char *mnemonic, size_t len, const char *operands, size_t op_len)
{
	for (const char *const *m = one_byte; *m; m++)
		if (len == strlen(*m) && strncmp(mnemonic, *m, len) == 0)
			return true;
	/* in/out through %dx, and xchg with %eax: 1 byte */
	static const char *const port_io[] = { "in", "inb", "inw", "inl",
					       "out", "outb", "outw", "outl", NULL };
	for (const char *const *m = port_io; *m; m++)
		if (len == strlen(*m) && strncmp(mnemonic, *m, len) == 0)
			return memmem(operands, op_len, "%dx", 3) != NULL;
	return len == 5 && strncmp(mnemonic, "xchgl", 5) == 0 &&
	       memmem(operands, op_len, "%eax", 4) != NULL;
}

/* Writes the instruction MNEMONIC OPERANDS (one line, LINE) in 2 bytes or
 * more to OUT. */
static void write_long_form(const char *line, size_t line_len, const char *mnemonic,
			    size_t len, const char *operands, size_t op_len, struct buf *out)
{
	bool push = (len == 4 && strncmp(mnemonic, "push", 4) == 0) ||
		    (len == 5 && strncmp(mnemonic, "pushq", 5) == 0);
	bool pop = (len == 3 && strncmp(mnemonic, "pop", 3) == 0) ||
		   (len == 4 && strncmp(mnemonic, "popq", 4) == 0);
	int reg = legacy_reg(operands, op_len);
	if ((push || pop) && reg >= 0) {
		/* push r/m64 (ff /6) and pop r/m64 (8f /0), register operand */
		buf_printf(out, "\t.byte\t0x%02x, 0x%02x\t# %.*s %.*s\n", push ? 0xff : 0x8f,
			   (push ? 0xf0 : 0xc0) + reg, (int)len, mnemonic, (int)op_len, operands);
		return;
	}
	if (op_len == 0 && ((len == 3 && strncmp(mnemonic, "ret", 3) == 0) ||
			    (len == 4 && strncmp(mnemonic, "retq", 4) == 0))) {
		buf_addstr(out, "\trep ret\n");
		return;
	}
	if (is_one_byte(mnemonic, len, operands, op_len))
		/* no equivalent longer form: a 2-byte NOP first (the one case
		 * that costs an instruction per call; see docs/entry-padding.md) */
		buf_addstr(out, "\txchg\t%ax, %ax\n");
	buf_add(out, line, line_len);
}

/* Does the line (without its tab) end the function before any instruction? */
static bool ends_function(const char *body)
{
	return strncmp(body, ".cfi_endproc", 12) == 0 || strncmp(body, ".size", 5) == 0 ||
	       strncmp(body, ".section", 8) == 0 || strncmp(body, ".text", 5) == 0;
}

size_t asm_first_insn(const char *text, struct buf *out)
{
	const char *line = text;
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
		const char *body = line + strspn(line, " \t");
		size_t body_len = strcspn(body, "\n");
		bool label = body_len && body[body_len - 1] == ':' && body == line;
		if (body[0] == '.' && !label && ends_function(body)) {
			/* no instruction at all (an unreachable body): 2 bytes
			 * the runtime may replace and nobody executes */
			buf_addstr(out, "\tud2\n");
			return (size_t)(line - text);
		}
		if (label || body_len == 0 || body[0] == '.' || body[0] == '#' ||
		    strncmp(body, "endbr64", 7) == 0) {
			buf_add(out, line, len);
			line += len;
			continue;
		}
		size_t m_len = strcspn(body, " \t\n;");
		const char *ops = body + m_len + strspn(body + m_len, " \t");
		size_t op_len = strcspn(ops, "\n;#");
		while (op_len && (ops[op_len - 1] == ' ' || ops[op_len - 1] == '\t'))
			op_len--;
		write_long_form(line, len, body, m_len, ops, op_len, out);
		return (size_t)(line - text) + len;
	}
	return (size_t)(line - text);
}
