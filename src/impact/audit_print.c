/* suture audit's output: text for people, --json (man/suture-audit.1). */
#include "impact/audit.h"
#include "impact/ipa_options.h"
#include "common/json.h"

#include <string.h>

static const char *const severity_words[] = { "info", "warning", "blocker" };

static void print_ipa_names(FILE *out, unsigned on, bool tracked)
{
	bool any = false;
	for (int o = 0; o < IPA_N; o++) {
		const struct ipa_opt_info *info = ipa_opt_info(o);
		if ((on & (1u << o)) && info->tracked == tracked) {
			fprintf(out, "%s%s", any ? ", " : "", info->name);
			any = true;
		}
	}
	if (!any)
		fputs("none", out);
}

static void print_unit_text(FILE *out, const struct audit_unit *u)
{
	fprintf(out, "  unit %s (from %s): %s", u->source, u->origin, u->compiler);
	if (u->level)
		fprintf(out, ", -fease-live-patching=%s", u->level);
	fputs("\n    options:", out);
	for (size_t i = 0; i < u->n_options; i++)
		fprintf(out, " %s", u->options[i]);
	fputs("\n    ABI-breaking optimizations on: ", out);
	print_ipa_names(out, u->ipa_on, false);
	fputs("\n    inlining and cloning on: ", out);
	print_ipa_names(out, u->ipa_on, true);
	fputc('\n', out);
}

static void print_file_text(FILE *out, const struct audit_file *f, bool brief)
{
	fprintf(out, "%s: %s", f->path, f->kind);
	if (f->build_id[0])
		fprintf(out, ", build-id %s", f->build_id);
	if (strcmp(f->kind, "object") != 0)
		fputs(f->is_static ? ", statically linked" : ", dynamically linked", out);
	fputs(f->has_unwind ? ", unwind tables" : ", no unwind tables", out);
	fputs(f->has_records ? ", built with suture-cc\n" : "\n", out);
	if (brief)
		return;
	for (size_t i = 0; i < f->n_units; i++)
		print_unit_text(out, &f->units[i]);
	fprintf(out, "  entry padding: %zu of %zu functions (%zu with the prefix room, "
		"%zu with a NOP at the entry)\n", f->n_padded, f->n_padded + f->n_unpadded,
		f->n_room, f->n_padded - f->n_room);
}

static void print_findings_text(FILE *out, const struct audit_report *r)
{
	fputs(r->n_findings ? "findings:\n" : "findings: none\n", out);
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct finding *fd = &r->findings[i];
		fprintf(out, "  %s: %s\n    why: %s\n    what to do: %s\n",
			severity_words[fd->severity], fd->what, fd->why, fd->fix);
	}
}

void audit_print_text(const struct audit_report *r, FILE *out)
{
	const struct audit_process *p = r->process;
	if (p) {
		fprintf(out, "process %d (%s): traced by %s, seccomp %s, Yama ptrace_scope %s\n",
			(int)p->pid, p->name, p->tracer ? "another process" : "nobody",
			p->seccomp == 0 ? "off" : p->seccomp == 1 ? "strict" :
			p->seccomp == 2 ? "filter" : "unknown",
			p->yama_scope < 0 ? "absent" : p->yama_scope == 0 ? "0" :
			p->yama_scope == 1 ? "1" : p->yama_scope == 2 ? "2" : "3");
	}
	for (size_t i = 0; i < r->n_files; i++)
		print_file_text(out, &r->files[i], p && i > 0);
	print_findings_text(out, r);
	bool blocked = audit_has_blocker(r);
	fprintf(out, "verdict: %s\n", blocked ? "cannot be live patched until the blockers above "
					       "are dealt with" : "can be live patched");
}

static void json_strings(FILE *out, char *const *v, size_t n)
{
	fputc('[', out);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		json_string(out, v[i]);
	}
	fputc(']', out);
}

static void json_ipa(FILE *out, unsigned on, bool tracked)
{
	fputc('[', out);
	bool any = false;
	for (int o = 0; o < IPA_N; o++)
		if ((on & (1u << o)) && ipa_opt_info(o)->tracked == tracked) {
			fputs(any ? ", " : "", out);
			json_string(out, ipa_opt_info(o)->name);
			any = true;
		}
	fputc(']', out);
}

static void json_unit(FILE *out, const struct audit_unit *u)
{
	fputs("{\"source\": ", out);
	json_string(out, u->source);
	fputs(", \"origin\": ", out);
	json_string(out, u->origin);
	fputs(", \"level\": ", out);
	json_string(out, u->level);
	fputs(", \"compiler\": ", out);
	json_string(out, u->compiler);
	fputs(", \"options\": ", out);
	json_strings(out, u->options, u->n_options);
	fputs(", \"abi_breaking\": ", out);
	json_ipa(out, u->ipa_on, false);
	fputs(", \"inlining_cloning\": ", out);
	json_ipa(out, u->ipa_on, true);
	fputc('}', out);
}

static void json_file(FILE *out, const struct audit_file *f)
{
	fputs("{\"path\": ", out);
	json_string(out, f->path);
	fputs(", \"kind\": ", out);
	json_string(out, f->kind);
	fputs(", \"build_id\": ", out);
	json_string(out, f->build_id);
	fprintf(out, ", \"symbols\": %s, \"unwind_tables\": %s, \"static\": %s, "
		"\"suture_records\": %s, \"units\": [",
		f->has_symtab ? "true" : "false", f->has_unwind ? "true" : "false",
		f->is_static ? "true" : "false", f->has_records ? "true" : "false");
	for (size_t i = 0; i < f->n_units; i++) {
		fputs(i ? ",\n    " : "\n    ", out);
		json_unit(out, &f->units[i]);
	}
	fputs("],\n   \"padded\": ", out);
	json_strings(out, f->padded, f->n_padded);
	fputs(",\n   \"room\": ", out);
	json_strings(out, f->room, f->n_room);
	fputs(",\n   \"unpadded\": ", out);
	json_strings(out, f->unpadded, f->n_unpadded);
	fputs(",\n   \"no_unwind\": ", out);
	json_strings(out, f->no_cfi, f->n_no_cfi);
	fputc('}', out);
}

void audit_print_json(const struct audit_report *r, FILE *out)
{
	json_begin(out, 1);
	const struct audit_process *p = r->process;
	if (p) {
		fprintf(out, ",\n \"process\": {\"pid\": %d, \"name\": ", (int)p->pid);
		json_string(out, p->name);
		fprintf(out, ", \"tracer_pid\": %d, \"seccomp\": %d, \"seccomp_filters\": %d, "
			"\"yama_ptrace_scope\": %d, \"mdwe\": %d, \"dumpable\": %s}",
			(int)p->tracer, p->seccomp, p->seccomp_filters, p->yama_scope, p->mdwe,
			!p->dumpable_known ? "null" : p->dumpable ? "true" : "false");
	}
	fputs(",\n \"files\": [", out);
	for (size_t i = 0; i < r->n_files; i++) {
		fputs(i ? ",\n  " : "\n  ", out);
		json_file(out, &r->files[i]);
	}
	fputs("],\n \"findings\": [", out);
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct finding *fd = &r->findings[i];
		fputs(i ? ",\n  {\"severity\": " : "\n  {\"severity\": ", out);
		json_string(out, severity_words[fd->severity]);
		fputs(", \"what\": ", out);
		json_string(out, fd->what);
		fputs(", \"why\": ", out);
		json_string(out, fd->why);
		fputs(", \"fix\": ", out);
		json_string(out, fd->fix);
		fputc('}', out);
	}
	fprintf(out, "],\n \"patchable\": %s}\n", audit_has_blocker(r) ? "false" : "true");
}
