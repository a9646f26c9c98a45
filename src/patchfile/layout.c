/* No two parts of a patch file share bytes: see layout.h. */
#include "patchfile/layout.h"
#include "common/error.h"
#include "common/util.h"

#include <stdlib.h>

struct extent {
	uint64_t start, end;
	const char *name;
};

static int by_start(const void *a, const void *b)
{
	const struct extent *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

int layout_check(struct elf_file *ef)
{
	size_t nsections = 0;
	elf_getshdrnum(ef->elf, &nsections);
	struct extent *e = xcalloc(nsections + 2, sizeof *e);
	size_t n = 0;
	/* the sizes libelf reads, whatever the header claims */
	e[n++] = (struct extent){ 0, sizeof(Elf64_Ehdr), "the ELF header" };
	e[n++] = (struct extent){ ef->ehdr.e_shoff,
				  ef->ehdr.e_shoff + (uint64_t)nsections * sizeof(Elf64_Shdr),
				  "the section header table" };
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr sh;
		/* sizes were checked against the file's: no sum wraps */
		if (elf_file_shdr(scn, &sh) && sh.sh_type != SHT_NOBITS && sh.sh_size)
			e[n++] = (struct extent){ sh.sh_offset, sh.sh_offset + sh.sh_size,
						  elf_file_section_name(ef, scn) };
	}
	qsort(e, n, sizeof *e, by_start);
	int ret = 0;
	for (size_t i = 1; i < n && ret == 0; i++)
		if (e[i].start < e[i - 1].end)
			ret = err_set("%s (at %#llx) overlaps %s", e[i].name ? e[i].name : "a section",
				      (unsigned long long)e[i].start,
				      e[i - 1].name ? e[i - 1].name : "a section");
	free(e);
	return ret;
}
