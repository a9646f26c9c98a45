/* suture diff: which functions changed between two builds of one
 * translation unit, and why; with -o, this unit's part of a patch.
 * See man/suture-diff.1 and docs/diff.md. */
#include "cli/commands.h"
#include "common/error.h"
#include "common/json.h"
#include "common/util.h"
#include "diff/diffset.h"

#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char usage_diff[] =
	"usage: suture diff [--json] [--name NAME] [--source-diff FIX.diff] ORIG.o PATCHED.o [-o OUT.o]\n"
	"       suture diff [--json] [--name NAME] [--source-diff FIX.diff] ORIG.a PATCHED.a [-o OUT.o]\n"
	"  --json       machine-readable report (docs/diff.md)\n"
	"  -o OUT.o     write this unit's part of a patch\n"
	"  --name NAME  the patch's name (default: OUT without .o)\n"
	"  --source-diff FIX.diff  the unified diff of the fix: tells __LINE__ moves in objects without -g\n"
	"exit: 0 changes found, 1 failed or refused, 2 usage, 3 no functional change\n";

struct options {
	bool json;
	const char *orig, *patched, *out, *name, *source_diff;
};

static int parse(int argc, char **argv, struct options *opt)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "name", required_argument, NULL, 'n' },
		{ "source-diff", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	memset(opt, 0, sizeof *opt);
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:", options, NULL)) != -1) {
		switch (c) {
		case 'j':
			opt->json = true;
			break;
		case 'o':
			opt->out = optarg;
			break;
		case 'n':
			opt->name = optarg;
			break;
		case 's':
			opt->source_diff = optarg;
			break;
		default:
			return option_error("diff", c, argv);
		}
	}
	if (argc - optind > 2)
		return usage_error("diff", "too many arguments (%s)", argv[optind + 2]);
	if (argc - optind < 2)
		return usage_error("diff", "ORIG.o and PATCHED.o are needed");
	opt->orig = argv[optind];
	opt->patched = argv[optind + 1];
	if (opt->name && !opt->out)
		return usage_error("diff", "--name names the patch written with -o");
	if (opt->name && !*opt->name)
		return usage_error("diff", "--name needs a non-empty name");
	return 0;
}

/* The default patch name: the -o file's base name without ".o". */
static char *patch_name(const struct options *opt)
{
	return opt->name ? xstrdup(opt->name) : patch_name_from_file(opt->out, ".o");
}

/* One entry of the report: a symbol of either object that is not the same. */
static bool reported(const struct dobj_symbol *s, bool patched_side)
{
	if (s->kind == DSYM_OTHER || s->code_attached)
		return false;
	return patched_side ? s->state == DIFF_NEW
			    : s->state == DIFF_CHANGED || s->state == DIFF_REMOVED;
}

static void print_reasons(FILE *out, unsigned reasons, bool json)
{
	bool first = true;
	for (unsigned bit = 1; bit <= DIFF_R_VALUE; bit <<= 1)
		if (reasons & bit) {
			if (json)
				fprintf(out, "%s\"%s\"", first ? "" : ", ", diff_reason_name(bit));
			else
				fprintf(out, "%s%s", first ? "" : ", ", diff_reason_name(bit));
			first = false;
		}
}

static void print_text_entries(const struct dobj *x, bool patched_side, enum diff_state state,
			       const struct dobj *other, const char *member)
{
	for (size_t i = 0; i < x->nsyms; i++) {
		const struct dobj_symbol *s = &x->syms[i];
		if (!reported(s, patched_side) || s->state != (int)state)
			continue;
		if (member)
			printf("%s: ", member);
		printf("%-8s %-9s %s", diff_state_name(state),
		       s->kind == DSYM_FUNC ? "function" : "data", s->name);
		if (s->twin >= 0 && strcmp(other->syms[s->twin].name, s->name) != 0)
			printf(" (now %s)", other->syms[s->twin].name);
		if (s->reasons) {
			printf(" [");
			print_reasons(stdout, s->reasons, false);
			printf("]");
		}
		if (s->detail)
			printf(": %s", s->detail);
		printf("\n");
	}
}

static void print_text_unit(const struct diff_unit *u)
{
	const struct diff *d = &u->d;
	if (u->same_bytes)
		return;
	print_text_entries(d->orig, false, DIFF_CHANGED, d->patched, u->member);
	print_text_entries(d->patched, true, DIFF_NEW, d->orig, u->member);
	print_text_entries(d->orig, false, DIFF_REMOVED, d->patched, u->member);
	for (size_t i = 0; i < d->nnotes; i++)
		printf("note: %s%s%s: %s\n", u->member ? u->member : "", u->member ? ": " : "",
		       d->notes[i].symbol, d->notes[i].text);
}

static void print_text(const struct diff_set *set)
{
	size_t changed = 0;
	for (size_t i = 0; i < set->nunits; i++) {
		print_text_unit(&set->units[i]);
		const struct diff *d = &set->units[i].d;
		changed += d->n_changed || d->n_new || d->n_removed;
	}
	if (set->archives)
		printf("members: %zu, %zu with changes, %zu unchanged\n", set->nunits, changed,
		       set->nunits - changed);
	if (!diff_set_changed(set))
		printf("no functional change\n");
}

static void json_entries(const struct dobj *x, bool patched_side, const struct dobj *other,
			 enum dsym_kind kind, const char *member, bool *first)
{
	for (size_t i = 0; i < x->nsyms; i++) {
		const struct dobj_symbol *s = &x->syms[i];
		if (!reported(s, patched_side) || s->kind != kind)
			continue;
		printf("%s\n    {\"name\": ", *first ? "" : ",");
		*first = false;
		json_string(stdout, s->name);
		printf(", \"state\": \"%s\", \"new_name\": ", diff_state_name(s->state));
		json_string(stdout, s->twin >= 0 ? other->syms[s->twin].name : NULL);
		printf(", \"static\": %s, \"file\": ", s->bind == STB_LOCAL ? "true" : "false");
		json_string(stdout, s->file);
		printf(", \"reasons\": [");
		print_reasons(stdout, s->reasons, true);
		printf("], \"detail\": ");
		json_string(stdout, s->detail);
		printf(", \"member\": ");
		json_string(stdout, member);
		printf("}");
	}
}

static void json_line_only(const struct diff_set *set)
{
	bool first = true;
	printf(",\n  \"line_only\": [");
	for (size_t u = 0; u < set->nunits; u++)
		for (size_t i = 0; i < set->units[u].d.nnotes; i++) {
			const struct diff_note *n = &set->units[u].d.notes[i];
			printf("%s{\"name\": ", first ? "" : ", ");
			first = false;
			json_string(stdout, n->symbol);
			printf(", \"detail\": ");
			json_string(stdout, n->text);
			printf(", \"member\": ");
			json_string(stdout, set->units[u].member);
			printf("}");
		}
	printf("]");
}

static void json_refusals(const struct diff_set *set)
{
	bool first = true;
	printf(",\n  \"refusals\": [");
	for (size_t u = 0; u < set->nunits; u++)
		for (size_t i = 0; i < set->units[u].d.nrefusals; i++) {
			const struct diff_refusal *r = &set->units[u].d.refusals[i];
			printf("%s\n    {\"symbol\": ", first ? "" : ",");
			first = false;
			json_string(stdout, r->symbol);
			printf(", \"reason\": ");
			json_string(stdout, r->reason);
			printf(", \"way_out\": ");
			json_string(stdout, r->way_out);
			printf(", \"member\": ");
			json_string(stdout, set->units[u].member);
			printf("}");
		}
	printf("%s]", first ? "" : "\n  ");
}

/* Archives only: each member, and whether it changed. */
static void json_members(const struct diff_set *set)
{
	if (!set->archives)
		return;
	printf(",\n  \"members\": [");
	for (size_t u = 0; u < set->nunits; u++) {
		const struct diff *d = &set->units[u].d;
		printf("%s{\"name\": ", u ? ", " : "");
		json_string(stdout, set->units[u].member);
		printf(", \"changed\": %s}", d->n_changed || d->n_new || d->n_removed ? "true" : "false");
	}
	printf("]");
}

static void print_json(const struct diff_set *set, const char *orig, const char *patched,
		       const char *out)
{
	json_begin(stdout, 1);
	printf(",\n  \"orig\": ");
	json_string(stdout, orig);
	printf(",\n  \"patched\": ");
	json_string(stdout, patched);
	json_members(set);
	for (int kind = DSYM_FUNC; kind <= DSYM_DATA; kind++) {
		bool first = true;
		printf(",\n  \"%s\": [", kind == DSYM_FUNC ? "functions" : "data");
		for (size_t u = 0; u < set->nunits; u++) {
			const struct diff_unit *unit = &set->units[u];
			if (unit->same_bytes)
				continue;
			json_entries(unit->d.orig, false, unit->d.patched, kind, unit->member, &first);
			json_entries(unit->d.patched, true, unit->d.orig, kind, unit->member, &first);
		}
		printf("%s]", first ? "" : "\n  ");
	}
	json_line_only(set);
	json_refusals(set);
	printf(",\n  \"functional_change\": %s,\n  \"patch\": ",
	       diff_set_changed(set) ? "true" : "false");
	json_string(stdout, out);
	printf("\n}\n");
}

static void print_refusals(const struct diff_set *set)
{
	for (size_t u = 0; u < set->nunits; u++)
		for (size_t i = 0; i < set->units[u].d.nrefusals; i++) {
			const struct diff_refusal *r = &set->units[u].d.refusals[i];
			err_report("suture diff", "cannot patch live: %s%s%s: %s; way out: %s",
				   set->units[u].member ? set->units[u].member : "",
				   set->units[u].member ? ": " : "", r->symbol, r->reason, r->way_out);
		}
}

int cmd_diff(int argc, char **argv)
{
	struct options opt;
	int status = parse(argc, argv, &opt);
	if (status)
		return status;
	struct diff_set set;
	if (diff_set_analyze(&set, opt.orig, opt.patched, opt.source_diff) < 0) {
		err_print("suture diff");
		diff_set_free(&set);
		return EXIT_FAILED;
	}
	size_t refusals = diff_set_refusals(&set);
	const char *written = NULL;
	status = EXIT_DONE;
	if (refusals) {
		status = EXIT_FAILED;
	} else if (!diff_set_changed(&set)) {
		status = EXIT_NO_CHANGE;
	} else if (opt.out) {
		char *name = patch_name(&opt);
		if (diff_set_write_patch(&set, opt.out, name) < 0) {
			err_print("suture diff");
			status = EXIT_FAILED;
		} else {
			written = opt.out;
		}
		free(name);
	}
	if (opt.json)
		print_json(&set, opt.orig, opt.patched, written);
	else
		print_text(&set);
	print_refusals(&set);
	if (refusals && opt.out)
		err_report("suture diff", "%s not written", opt.out);
	diff_set_free(&set);
	return status;
}
