/* suture build's report: see build_report.h. */
#include "cli/build_report.h"
#include "common/error.h"
#include "common/json.h"

#include <stdio.h>

static void print_list(const char *title, char **items, size_t n)
{
	if (!n)
		return;
	printf("%s:", title);
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? ", " : " ", items[i]);
	printf("\n");
}

/* TEXT on one line: a newline or tab in it (a string literal a function
 * refers to) as C writes it. */
static void print_one_line(const char *text)
{
	for (const char *c = text; *c; c++)
		if (*c == '\n')
			fputs("\\n", stdout);
		else if (*c == '\t')
			fputs("\\t", stdout);
		else
			putchar(*c);
}

static void print_text(const struct build_report *r, const char *out)
{
	if (r->written)
		printf("patch: %s\n", out);
	for (size_t i = 0; i < r->ntargets; i++)
		printf("target: %s\n", r->targets[i]);
	print_list("compiled again", r->recompiled, r->nrecompiled);
	print_list("compiled by suture build (the project's build did not)", r->forced, r->nforced);
	for (size_t i = 0; i < r->nentries; i++) {
		const struct build_entry *e = &r->entries[i];
		printf("%-8s %-9s %s [%s] (%s, %s)", e->state, e->is_func ? "function" : "data",
		       e->name, e->reasons, e->unit, e->target);
		if (e->detail) {
			fputs(": ", stdout);
			print_one_line(e->detail);
		}
		printf("\n");
	}
	for (size_t i = 0; i < r->nline_only; i++)
		printf("line only (not in the patch): %s\n", r->line_only[i]);
	for (size_t i = 0; i < r->nnotes; i++)
		printf("note: %s\n", r->notes[i]);
	if (r->secs_total > 0 && !r->secs_original && (r->written || !r->nrefusals))
		printf("time: %.1f s\n", r->secs_total);   /* --manual: no project build */
	else if (r->secs_total > 0 && (r->written || !r->nrefusals))
		printf("time: original build %.1f s, patched build %.1f s, the rest %.1f s\n",
		       r->secs_original, r->secs_patched,
		       r->secs_total - r->secs_original - r->secs_patched);
}

static void json_strings(const char *key, char **items, size_t n, bool last)
{
	printf("  \"%s\": [", key);
	for (size_t i = 0; i < n; i++) {
		printf("%s", i ? ", " : "");
		json_string(stdout, items[i]);
	}
	printf("]%s\n", last ? "" : ",");
}

static void json_entries(const struct build_report *r)
{
	printf("  \"functions\": [");
	for (size_t i = 0; i < r->nentries; i++) {
		const struct build_entry *e = &r->entries[i];
		printf("%s\n    {\"name\": ", i ? "," : "");
		json_string(stdout, e->name);
		printf(", \"kind\": \"%s\", \"state\": \"%s\", \"unit\": ",
		       e->is_func ? "function" : "data", e->state);
		json_string(stdout, e->unit);
		printf(", \"target\": ");
		json_string(stdout, e->target);
		printf(", \"reasons\": ");
		json_string(stdout, e->reasons);
		printf(", \"detail\": ");
		json_string(stdout, e->detail);
		printf("}");
	}
	printf("%s],\n", r->nentries ? "\n  " : "");
}

static void json_refusals(const struct build_report *r)
{
	printf("  \"refusals\": [");
	for (size_t i = 0; i < r->nrefusals; i++) {
		printf("%s\n    {\"unit\": ", i ? "," : "");
		json_string(stdout, r->refusals[i].unit);
		printf(", \"symbol\": ");
		json_string(stdout, r->refusals[i].symbol);
		printf(", \"reason\": ");
		json_string(stdout, r->refusals[i].reason);
		printf(", \"way_out\": ");
		json_string(stdout, r->refusals[i].way_out);
		printf("}");
	}
	printf("%s],\n", r->nrefusals ? "\n  " : "");
}

static void print_json(const struct build_report *r, int outcome, const char *out)
{
	printf("{\n  \"patch\": ");
	json_string(stdout, r->written ? out : NULL);
	printf(",\n  \"functional_change\": %s,\n", outcome == BUILD_NO_CHANGE ? "false" : "true");
	printf("  \"error\": ");
	json_string(stdout, outcome < 0 ? err_msg() : NULL);
	printf(",\n");
	json_strings("targets", r->targets, r->ntargets, false);
	json_strings("compiled_again", r->recompiled, r->nrecompiled, false);
	json_strings("compiled_by_suture", r->forced, r->nforced, false);
	json_entries(r);
	json_strings("line_only", r->line_only, r->nline_only, false);
	json_refusals(r);
	json_strings("notes", r->notes, r->nnotes, false);
	json_strings("warnings", r->warnings, r->nwarnings, false);
	printf("  \"seconds\": {\"original_build\": %.3f, \"patched_build\": %.3f, \"total\": %.3f}\n}\n",
	       r->secs_original, r->secs_patched, r->secs_total);
}

int build_report_print(const struct build_report *r, int outcome, bool json, const char *out)
{
	if (json)
		print_json(r, outcome, out);
	else if (outcome >= 0)
		print_text(r, out);
	if (outcome < 0) {
		err_print("suture build");
		if (r->log_tail)
			fprintf(stderr, "%s", r->log_tail);
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < r->nwarnings; i++)
		err_report("suture build", "warning: %s", r->warnings[i]);
	for (size_t i = 0; i < r->nrefusals; i++)
		err_report("suture build", "%s: %s: %s: %s; way out: %s",
			   r->refusal_title ? r->refusal_title : "cannot patch live", r->refusals[i].unit, r->refusals[i].symbol, r->refusals[i].reason,
			   r->refusals[i].way_out);
	if (outcome == BUILD_REFUSED) {
		err_report("suture build", "%s not written", out);
		return EXIT_FAILED;
	}
	if (outcome == BUILD_NO_CHANGE) {
		if (!json)
			printf("no functional change\n");
		return EXIT_NO_CHANGE;
	}
	return EXIT_DONE;
}
