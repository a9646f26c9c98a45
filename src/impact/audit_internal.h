/* What the parts of suture audit share (audit_file.c, audit_process.c,
 * audit_findings.c, audit_print.c). */
#ifndef SUTURE_IMPACT_AUDIT_INTERNAL_H
#define SUTURE_IMPACT_AUDIT_INTERNAL_H

#include "impact/audit.h"

/* Reads the facts of one ELF file into F.  0, or -1 with err_set(). */
int audit_read_file(const char *path, struct audit_file *f);
void audit_file_free(struct audit_file *f);

/* Reads /proc facts about PID.  0, or -1 with err_set(). */
int audit_read_process(pid_t pid, struct audit_process *p);

/* True when suture itself has CAP_SYS_PTRACE. */
bool audit_self_can_ptrace_any(void);
/* The ELF objects PID maps, its executable first, as paths that reach
 * them through /proc/PID. */
int audit_process_objects(pid_t pid, char ***paths, size_t *n);

/* Appends a finding (the strings are formatted copies). */
void audit_add(struct audit_report *r, enum severity sev, char *what, char *why, char *fix);

/* The findings about a file (IN_PROCESS: a library a process maps, not
 * the audit's subject), and about a process. */
void audit_file_findings(struct audit_report *r, const struct audit_file *f, bool in_process);
void audit_process_findings(struct audit_report *r, const struct audit_process *p);

#endif
