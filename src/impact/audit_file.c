/* The facts suture audit reads from one ELF file. */
#include "impact/audit.h"
#include "impact/audit_internal.h"
#include "impact/graph.h"
#include "impact/ipa_options.h"
#include "cc/unit_record.h"
#include "elf/elffile.h"
#include "padding/padding.h"
#include "common/error.h"
#include "common/util.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>


static void push_string(char ***vec, size_t *n, const char *s)
{
	*vec = xrealloc(*vec, (*n + 1) * sizeof **vec);
	(*vec)[(*n)++] = xstrdup(s);
}

static bool has_segment(struct elf_file *ef, GElf_Word type)
{
	size_t n;
	if (elf_getphdrnum(ef->elf, &n) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(ef->elf, (int)i, &ph) && ph.p_type == type)
			return true;
	}
	return false;
}

/* A position-independent executable, told from a shared library by the
 * linker's DF_1_PIE flag (some libraries, libc among them, have an
 * interpreter too and can be run). */
static bool is_pie(struct elf_file *ef)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr shdr;
		if (!elf_file_shdr(scn, &shdr) || shdr.sh_type != SHT_DYNAMIC || !shdr.sh_entsize)
			continue;
		Elf_Data *data = elf_file_data(scn);
		for (size_t i = 0; data && i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Dyn dyn;
			if (gelf_getdyn(data, (int)i, &dyn) && dyn.d_tag == DT_FLAGS_1)
				return dyn.d_un.d_val & DF_1_PIE;
		}
	}
	return false;
}

static void read_kind(struct elf_file *ef, struct audit_file *f)
{
	bool interp = has_segment(ef, PT_INTERP), dynamic = has_segment(ef, PT_DYNAMIC);
	switch (ef->ehdr.e_type) {
	case ET_REL:
		f->kind = "object";
		return;
	case ET_EXEC:
		f->kind = "executable";
		break;
	default:
		f->kind = is_pie(ef) || !dynamic ? "executable" : "shared library";
		break;
	}
	f->is_static = !interp && !dynamic;
}

static bool has_eh_frame(struct elf_file *ef)
{
	Elf_Scn *scn = elf_file_section(ef, ".eh_frame");
	GElf_Shdr shdr;
	return scn && elf_file_shdr(scn, &shdr) && shdr.sh_size > 0;
}

/* Keeps the options that say how code was generated: not the inputs, the
 * output, or what is only for the linker. */
static void push_compile_options(struct audit_unit *u, char *const *args, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *a = args[i];
		if (strcmp(a, "-o") == 0 || strcmp(a, "-MF") == 0 || strcmp(a, "-MT") == 0 ||
		    strcmp(a, "-MQ") == 0) {
			i++;
			continue;
		}
		if (a[0] != '-' || str_starts_with(a, "-L") || str_starts_with(a, "-l") ||
		    str_starts_with(a, "-Wl,") || str_starts_with(a, "-M") ||
		    strcmp(a, "-c") == 0 || strcmp(a, "-shared") == 0)
			continue;
		push_string(&u->options, &u->n_options, a);
	}
}

static void unit_from_record(struct audit_unit *u, const struct unit_record *rec)
{
	u->source = xstrdup(rec->source ? rec->source : "?");
	u->origin = xstrdup("suture-cc");
	u->level = rec->level ? xstrdup(rec->level) : NULL;
	u->compiler = xasprintf("GCC %s", rec->gcc ? rec->gcc : "(version not recorded)");
	push_compile_options(u, rec->args, rec->n_args);
	push_compile_options(u, rec->added, rec->n_added);
	u->ipa_on = ipa_options_on(u->options, u->n_options);
}

/* "GNU C17 12.2.0 -mtune=generic -O2 -g" -> compiler "GNU C17 12.2.0",
 * options -mtune=generic -O2 -g. */
static void unit_from_producer(struct audit_unit *u, const char *name, const char *producer)
{
	u->source = xstrdup(name ? name : "?");
	u->origin = xstrdup("DWARF");
	const char *opts = strstr(producer, " -");
	u->compiler = xasprintf("%.*s", (int)(opts ? opts - producer : (long)strlen(producer)),
				producer);
	char *copy = xstrdup(opts ? opts : "");
	for (char *save = NULL, *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (tok[0] == '-')
			push_string(&u->options, &u->n_options, tok);
	free(copy);
	u->ipa_on = ipa_options_on(u->options, u->n_options);
}

static struct audit_unit *new_unit(struct audit_file *f)
{
	f->units = xrealloc(f->units, (f->n_units + 1) * sizeof *f->units);
	struct audit_unit *u = &f->units[f->n_units++];
	memset(u, 0, sizeof *u);
	return u;
}

static bool recorded(const struct audit_file *f, const char *source)
{
	for (size_t i = 0; i < f->n_units; i++)
		if (strcmp(f->units[i].origin, "suture-cc") == 0 && strcmp(f->units[i].source, source) == 0)
			return true;
	return false;
}

/* Units DWARF describes that no record does (objects built without
 * suture-cc, but with -g: GCC records its switches in DW_AT_producer). */
static void read_dwarf_units(struct elf_file *ef, struct audit_file *f)
{
	Dwarf *dw = dwarf_begin_elf(ef->elf, DWARF_C_READ, NULL);
	if (!dw)
		return;
	Dwarf_Off off = 0, next;
	size_t header_size;
	while (dwarf_nextcu(dw, off, &next, &header_size, NULL, NULL, NULL) == 0) {
		Dwarf_Die die;
		if (dwarf_offdie(dw, off + header_size, &die)) {
			Dwarf_Attribute attr;
			const char *producer = dwarf_formstring(dwarf_attr(&die, DW_AT_producer, &attr));
			const char *name = dwarf_diename(&die);
			if (producer && !(name && recorded(f, name)))
				unit_from_producer(new_unit(f), name, producer);
		}
		off = next;
	}
	dwarf_end(dw);
}

static int read_units(struct elf_file *ef, struct audit_file *f)
{
	struct unit_records recs = {0};
	if (unit_records_read(ef, &recs) < 0)
		return -1;
	f->has_records = recs.n_units > 0;
	for (size_t i = 0; i < recs.n_units; i++)
		unit_from_record(new_unit(f), &recs.units[i]);
	unit_records_free(&recs);
	read_dwarf_units(ef, f);
	return 0;
}

/* The bytes of the function SYM, or NULL when they are not in the file;
 * *before gets the PADDING_ROOM_SIZE bytes before it, or NULL when the
 * section has none. */
static const uint8_t *function_bytes(struct elf_file *ef, const GElf_Sym *sym, size_t want,
				     const uint8_t **before)
{
	Elf_Scn *scn = elf_getscn(ef->elf, sym->st_shndx);
	GElf_Shdr shdr;
	Elf_Data *data = scn ? elf_file_data(scn) : NULL;
	if (!data || !elf_file_shdr(scn, &shdr) || !(shdr.sh_flags & SHF_EXECINSTR))
		return NULL;
	uint64_t offset = ef->ehdr.e_type == ET_REL ? sym->st_value : sym->st_value - shdr.sh_addr;
	if (offset + want > data->d_size)
		return NULL;
	const uint8_t *code = (const uint8_t *)data->d_buf + offset;
	*before = offset >= PADDING_ROOM_SIZE ? code - PADDING_ROOM_SIZE : NULL;
	return code;
}

/* Whether the unwinder can step out of a function: its entry covered by
 * call frame information (libdw reads .eh_frame).  Objects are not laid
 * out yet; for them the section has to do. */
static bool has_cfi(struct elf_file *ef, Dwarf_CFI *cfi, const GElf_Sym *sym)
{
	if (ef->ehdr.e_type == ET_REL)
		return true;
	Dwarf_Frame *frame = NULL;
	if (!cfi || dwarf_cfi_addrframe(cfi, sym->st_value, &frame) != 0)
		return false;
	free(frame);
	return true;
}

static void read_functions(struct elf_file *ef, struct audit_file *f)
{
	Dwarf_CFI *cfi = has_eh_frame(ef) ? dwarf_getcfi_elf(ef->elf) : NULL;
	if (ef->ehdr.e_type == ET_REL && !cfi)
		f->n_no_cfi = 1;   /* an object without .eh_frame at all */
	for (size_t i = 1; i < ef->nsyms; i++) {
		GElf_Sym sym;
		if (!elf_file_symbol(ef, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE || sym.st_size == 0)
			continue;
		const char *name = elf_file_symbol_name(ef, &sym);
		if (piece_parent_len(name) != strlen(name))
			continue;   /* f.cold is entered from f, never called */
		/* endbr64 and the longest instruction */
		size_t size = sym.st_size < 4 + 15 ? sym.st_size : 4 + 15;
		const uint8_t *before, *code = function_bytes(ef, &sym, size, &before);
		if (!code)
			continue;
		struct padding pad;
		enum padding_form form = padding_read(before, code, size, &pad);
		if (form != PADDING_NONE)
			push_string(&f->padded, &f->n_padded, name);
		if (form == PADDING_ROOM)
			push_string(&f->room, &f->n_room, name);
		else if (form == PADDING_NONE)
			push_string(&f->unpadded, &f->n_unpadded, name);
		if (!has_cfi(ef, cfi, &sym))
			push_string(&f->no_cfi, &f->n_no_cfi, name);
	}
	if (cfi)
		dwarf_cfi_end(cfi);
}

int audit_read_file(const char *path, struct audit_file *f)
{
	memset(f, 0, sizeof *f);
	struct elf_file *ef = elf_file_open(path);
	if (!ef)
		return -1;
	f->path = xstrdup(path);
	read_kind(ef, f);
	uint8_t id[64];
	size_t id_len = elf_file_build_id(ef, id, sizeof id);
	build_id_to_hex(id, id_len, f->build_id);
	f->has_symtab = ef->symtab != NULL;
	int ret = read_units(ef, f);
	if (ret == 0)
		read_functions(ef, f);
	f->has_unwind = f->n_no_cfi == 0 && has_eh_frame(ef);
	elf_file_close(ef);
	return ret;
}

static void free_strings(char **vec, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(vec[i]);
	free(vec);
}

void audit_file_free(struct audit_file *f)
{
	for (size_t i = 0; i < f->n_units; i++) {
		struct audit_unit *u = &f->units[i];
		free(u->source);
		free(u->origin);
		free(u->level);
		free(u->compiler);
		free_strings(u->options, u->n_options);
	}
	free(f->units);
	free_strings(f->padded, f->n_padded);
	free_strings(f->room, f->n_room);
	free_strings(f->unpadded, f->n_unpadded);
	free_strings(f->no_cfi, f->n_no_cfi);
	free(f->path);
}
