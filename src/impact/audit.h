/* suture audit: can this binary or process be live patched, and how
 * safely.  Collects facts (how each unit was compiled, entry padding,
 * unwind tables, what the kernel would refuse), and findings that say
 * why each matters and what to do. */
#ifndef SUTURE_IMPACT_AUDIT_H
#define SUTURE_IMPACT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

enum severity {
	SEV_INFO,
	SEV_WARNING,   /* patching works, but less safely or not everywhere */
	SEV_BLOCKER,   /* a patch would fail */
};

struct finding {
	enum severity severity;
	char *what;    /* the fact, naming the thing */
	char *why;     /* why it matters for live patching */
	char *fix;     /* what to do */
};

/* How one compilation unit was built. */
struct audit_unit {
	char *source;
	char *origin;          /* "suture-cc" (unit record) or "DWARF" (DW_AT_producer) */
	char *level;           /* -fease-live-patching level, or NULL */
	char *compiler;        /* "GCC 12.2.0", or the producer's words */
	char **options;
	size_t n_options;
	unsigned ipa_on;       /* bit (1 << enum ipa_opt) per optimization on */
};

struct audit_file {
	char *path;
	const char *kind;      /* "object", "executable", "shared library" */
	char build_id[2 * 64 + 1];   /* hex, "" when none */
	bool has_symtab, has_unwind, is_static, has_records;   /* has_unwind: every function */
	struct audit_unit *units;
	size_t n_units;
	char **padded;         /* functions with entry padding, either form */
	size_t n_padded;
	char **room;           /* those with the prefix room (docs/entry-padding.md) */
	size_t n_room;
	char **unpadded;       /* and without */
	size_t n_unpadded;
	char **no_cfi;         /* functions no unwind information covers */
	size_t n_no_cfi;
};

struct audit_process {
	pid_t pid;
	char *name;            /* comm */
	int yama_scope;        /* -1 when the kernel has no Yama */
	pid_t tracer;          /* TracerPid, 0 when none */
	int seccomp;           /* 0 off, 1 strict, 2 filter, -1 unknown */
	int seccomp_filters;
	int mdwe;              /* memory-deny-write-execute: 1 on, 0 off, -1 not shown */
	bool dumpable_known, dumpable;
	char state;            /* from /proc/PID/stat */
};

struct audit_report {
	struct audit_file *files;     /* for a process: its executable first */
	size_t n_files;
	struct audit_process *process;   /* NULL for a file */
	struct finding *findings;
	size_t n_findings;
};

/* Audits an ELF file, or a process and the ELF objects it maps.  Returns
 * 0 (findings are not failures) or -1 with err_set() when the file or
 * process cannot be read at all. */
int audit_file(const char *path, struct audit_report *report);
int audit_process(pid_t pid, struct audit_report *report);

void audit_print_text(const struct audit_report *report, FILE *out);
void audit_print_json(const struct audit_report *report, FILE *out);

/* True when some finding is a blocker. */
bool audit_has_blocker(const struct audit_report *report);
void audit_report_free(struct audit_report *report);

#endif
