/* What suture audit concludes from the facts: each finding names the
 * thing, says why it matters for live patching, and what to do. */
#include "impact/audit_internal.h"
#include "impact/ipa_options.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

#define REBUILD "rebuild with suture-cc -fease-live-patching (e.g. make CC='suture-cc -fease-live-patching')"

void audit_add(struct audit_report *r, enum severity sev, char *what, char *why, char *fix)
{
	r->findings = xrealloc(r->findings, (r->n_findings + 1) * sizeof *r->findings);
	r->findings[r->n_findings++] = (struct finding){ sev, what, why, fix };
}

/* "a.c, b.c and 3 more" for the units where OPT is on; NULL when none. */
static char *units_with(const struct audit_file *f, enum ipa_opt opt, bool tracked_only,
			bool untracked_only)
{
	struct buf names = {0};
	size_t count = 0;
	for (size_t i = 0; i < f->n_units; i++) {
		const struct audit_unit *u = &f->units[i];
		bool has_record = strcmp(u->origin, "suture-cc") == 0;
		if (!(u->ipa_on & (1u << opt)) || (tracked_only && !has_record) ||
		    (untracked_only && has_record))
			continue;
		if (count < 3)
			buf_printf(&names, "%s%s", count ? ", " : "", u->source);
		count++;
	}
	if (count > 3)
		buf_printf(&names, " and %zu more", count - 3);
	return count ? names.data : NULL;
}

static void abi_findings(struct audit_report *r, const struct audit_file *f)
{
	for (int o = 0; o < IPA_N; o++) {
		const struct ipa_opt_info *info = ipa_opt_info(o);
		if (!info->tracked) {
			char *units = units_with(f, o, false, false);
			if (units)
				audit_add(r, SEV_WARNING,
					  xasprintf("%s: %s was on in %s", f->path, info->name, units),
					  xasprintf("%s", info->why),
					  xasprintf(REBUILD " (or add -fno-%s)", info->name));
			free(units);
			continue;
		}
		char *untracked = units_with(f, o, false, true);
		if (untracked)
			audit_add(r, SEV_WARNING,
				  xasprintf("%s: %s was on in %s, built without suture-cc",
					    f->path, info->name, untracked),
				  xasprintf("%s, and no record of it was kept: a patch author cannot "
					    "know which other functions to replace", info->why),
				  xstrdup(REBUILD ", so that 'suture impact' can list them"));
		free(untracked);
	}
}

/* The C runtime's own functions (crt1.o, crti.o, crtbegin.o): never built
 * with a level, never patched. */
static bool is_c_runtime(const char *name)
{
	static const char *const names[] = {
		"_start", "_init", "_fini", "deregister_tm_clones", "register_tm_clones",
		"__do_global_dtors_aux", "frame_dummy", "__libc_csu_init", "__libc_csu_fini",
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static void padding_findings(struct audit_report *r, const struct audit_file *f)
{
	size_t own = 0;
	for (size_t i = 0; i < f->n_unpadded; i++)
		own += !is_c_runtime(f->unpadded[i]);
	if (own == 0)
		return;
	struct buf names = {0};
	for (size_t i = 0; i < f->n_unpadded && i < 8; i++)
		buf_printf(&names, "%s%s", i ? " " : "", f->unpadded[i]);
	if (f->n_unpadded > 8)
		buf_printf(&names, " (and %zu more)", f->n_unpadded - 8);
	bool none = f->n_padded == 0;
	audit_add(r, none ? SEV_BLOCKER : SEV_WARNING,
		  xasprintf("%s: %zu of %zu functions have no entry padding: %s", f->path,
			    f->n_unpadded, f->n_unpadded + f->n_padded, names.data),
		  xstrdup("suture redirects a function by turning the 5-byte NOP at its entry "
			  "into a jump; a function without it cannot be patched"),
		  none ? xstrdup(REBUILD)
		       : xstrdup("rebuild the units that define them with suture-cc "
				 "-fease-live-patching (functions from libgcc or assembly never "
				 "have it)"));
	buf_free(&names);
}

static char *unwind_what(const struct audit_file *f)
{
	if (f->n_no_cfi == 0 || f->no_cfi == NULL)
		return xasprintf("%s has no unwind tables (.eh_frame)", f->path);
	struct buf names = {0};
	for (size_t i = 0; i < f->n_no_cfi && i < 8; i++)
		buf_printf(&names, "%s%s", i ? " " : "", f->no_cfi[i]);
	if (f->n_no_cfi > 8)
		buf_printf(&names, " (and %zu more)", f->n_no_cfi - 8);
	char *what = xasprintf("%s has no unwind tables (.eh_frame) for %zu functions: %s",
			       f->path, f->n_no_cfi, names.data);
	buf_free(&names);
	return what;
}

/* A library a process maps: what matters is whether suture can unwind
 * through its frames; patching it is another audit's business. */
static void library_findings(struct audit_report *r, const struct audit_file *f)
{
	if (!f->has_unwind)
		audit_add(r, SEV_WARNING, unwind_what(f),
			  xstrdup("a thread stopped in such a function cannot be unwound, so the "
				  "thread and stop models cannot tell what is on its stack"),
			  xstrdup("rebuild the library without -fno-asynchronous-unwind-tables"));
	if (!f->has_symtab)
		audit_add(r, SEV_INFO, xasprintf("%s has no symbol table (stripped)", f->path),
			  xstrdup("its own functions cannot be patched"),
			  xstrdup("nothing, unless a patch must replace code in it"));
}

void audit_file_findings(struct audit_report *r, const struct audit_file *f, bool in_process)
{
	if (str_ends_with(f->path, " (deleted)"))
		audit_add(r, SEV_WARNING,
			  xasprintf("%s: the process runs a file replaced or removed since it "
				    "started (build-id %s)", f->path,
				    f->build_id[0] ? f->build_id : "none"),
			  xstrdup("a patch applies only to the build it was made for; the file "
				  "installed now is another build"),
			  xstrdup("build the patch against the running build (same sources and "
				  "build-id), or restart the process"));
	if (in_process) {
		library_findings(r, f);
		return;
	}
	if (!f->has_symtab)
		audit_add(r, SEV_BLOCKER, xasprintf("%s has no symbol table (stripped)", f->path),
			  xstrdup("suture finds the functions to replace, static ones included, by "
				  "their symbols"),
			  xstrdup("install the unstripped build (or keep .symtab: strip "
				  "--strip-debug instead of strip)"));
	if (!f->build_id[0] && strcmp(f->kind, "object") != 0)
		audit_add(r, SEV_BLOCKER, xasprintf("%s has no GNU build-id", f->path),
			  xstrdup("a patch names the object it applies to by its build-id"),
			  xstrdup("link with -Wl,--build-id"));
	if (!f->has_unwind)
		audit_add(r, SEV_WARNING, unwind_what(f),
			  xstrdup("the thread and stop consistency models must unwind every "
				  "thread's stack to know which functions it is in; without CFI "
				  "suture cannot, and only --consistency none is left"),
			  xstrdup("rebuild without -fno-asynchronous-unwind-tables"));
	if (f->is_static)
		audit_add(r, SEV_WARNING, xasprintf("%s is statically linked", f->path),
			  xstrdup("a patch's calls into the C library resolve only to what the "
				  "program happened to link in, and there is no shared library to "
				  "patch separately"),
			  xstrdup("link dynamically (no -static)"));
	if (f->n_units == 0)
		audit_add(r, SEV_WARNING,
			  xasprintf("%s: no record of how it was compiled (no suture-cc unit "
				    "records, no DWARF)", f->path),
			  xstrdup("which ABI-breaking optimizations were on cannot be told, so no "
				  "patch to it can be trusted"),
			  xstrdup(REBUILD ", or at least with -g"));
	abi_findings(r, f);
	padding_findings(r, f);
}

void audit_process_findings(struct audit_report *r, const struct audit_process *p)
{
	bool can_any = audit_self_can_ptrace_any();
	if (p->state == 'Z' || p->state == 'X')
		audit_add(r, SEV_BLOCKER, xasprintf("process %d (%s) has exited", p->pid, p->name),
			  xstrdup("there is no code left running to patch"), xstrdup("nothing"));
	if (p->tracer)
		audit_add(r, SEV_BLOCKER,
			  xasprintf("process %d (%s) is already traced by process %d", p->pid,
				    p->name, p->tracer),
			  xstrdup("a process has one tracer at a time, and suture patches through "
				  "ptrace"),
			  xasprintf("detach the debugger or tracer (process %d) first", p->tracer));
	if (p->yama_scope == 3)
		audit_add(r, SEV_BLOCKER, xstrdup("Yama ptrace_scope is 3: no process may be traced"),
			  xstrdup("suture patches through ptrace, and this setting cannot be undone "
				  "until reboot"),
			  xstrdup("set kernel.yama.ptrace_scope to 2 or lower at boot"));
	else if (p->yama_scope >= 1 && !can_any)
		audit_add(r, SEV_BLOCKER,
			  xasprintf("Yama ptrace_scope is %d and suture lacks CAP_SYS_PTRACE",
				    p->yama_scope),
			  xstrdup("the kernel refuses ptrace of processes that are not suture's "
				  "descendants"),
			  xstrdup("run suture as root (or with CAP_SYS_PTRACE)"));
	if (p->dumpable_known && !p->dumpable)
		audit_add(r, can_any ? SEV_INFO : SEV_BLOCKER,
			  xasprintf("process %d (%s) is not dumpable", p->pid, p->name),
			  xstrdup("the kernel allows ptrace of a non-dumpable process (setuid, "
				  "PR_SET_DUMPABLE 0) only with CAP_SYS_PTRACE"),
			  can_any ? xstrdup("nothing: suture has CAP_SYS_PTRACE")
				  : xstrdup("run suture as root (or with CAP_SYS_PTRACE)"));
	if (p->seccomp == 1)
		audit_add(r, SEV_BLOCKER,
			  xasprintf("process %d (%s) runs in seccomp strict mode", p->pid, p->name),
			  xstrdup("only read, write, _exit and sigreturn are allowed: the mmap and "
				  "mprotect calls suture makes the process run to load a patch would "
				  "kill it"),
			  xstrdup("it cannot be patched; restart it with the fix instead"));
	else if (p->seccomp == 2)
		audit_add(r, SEV_WARNING,
			  xasprintf("process %d (%s) runs under %d seccomp filter%s", p->pid, p->name,
				    p->seccomp_filters, p->seccomp_filters == 1 ? "" : "s"),
			  xstrdup("a filter that forbids mmap or mprotect with PROT_EXEC (systemd's "
				  "SystemCallFilter= or MemoryDenyWriteExecute=) makes loading a patch "
				  "fail or kills the process"),
			  xstrdup("check that the filters allow mmap and mprotect (e.g. the systemd "
				  "unit's settings) before applying a patch"));
	if (p->mdwe == 1)
		audit_add(r, SEV_BLOCKER,
			  xasprintf("process %d (%s) has memory-deny-write-execute on", p->pid, p->name),
			  xstrdup("the kernel refuses to map memory writable and executable or to "
				  "make it executable later, which is how patch code is loaded"),
			  xstrdup("it cannot be patched; restart it with the fix instead"));
	else if (p->mdwe < 0)
		audit_add(r, SEV_INFO,
			  xstrdup("this kernel does not show whether memory-deny-write-execute "
				  "(PR_SET_MDWE) is on"),
			  xstrdup("with it on, loading patch code fails"),
			  xstrdup("if the program calls prctl(PR_SET_MDWE), expect 'suture apply' to "
				  "fail with EACCES"));
}
