/* suture diff: which functions changed between two builds of one
 * translation unit, and why; with -o, this unit's part of a patch.
 * See man/suture-diff.1 and docs/diff.md. */
#include "cli/commands.h"
#include "common/error.h"
#include "common/json.h"
#include "common/util.h"
#include "diff/diff.h"

#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char usage_diff[] =
	"usage: suture diff [--json] [--name NAME] ORIG.o PATCHED.o [-o OUT.o]\n"
	"  --json       machine-readable report (docs/diff.md)\n"
	"  -o OUT.o     write this unit's part of a patch\n"
	"  --name NAME  the patch's name (default: OUT without .o)\n"
	"exit: 0 changes found, 1 failed or refused, 2 usage, 3 no functional change\n";

struct options {
	bool json;
	const char *orig, *patched, *out, *name;
};

static int parse(int argc, char **argv, struct options *opt)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "name", required_argument, NULL, 'n' },
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
	if (opt->name)
		return xstrdup(opt->name);
	char *copy = xstrdup(opt->out);
	char *name = xstrdup(basename(copy));
	free(copy);
	if (str_ends_with(name, ".o") && strlen(name) > 2)
		name[strlen(name) - 2] = '\0';
	return name;
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
			       const struct dobj *other)
{
	for (size_t i = 0; i < x->nsyms; i++) {
		const struct dobj_symbol *s = &x->syms[i];
		if (!reported(s, patched_side) || s->state != (int)state)
			continue;
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

static void print_text(const struct diff *d)
{
	print_text_entries(d->orig, false, DIFF_CHANGED, d->patched);
	print_text_entries(d->patched, true, DIFF_NEW, d->orig);
	print_text_entries(d->orig, false, DIFF_REMOVED, d->patched);
	for (size_t i = 0; i < d->nnotes; i++)
		printf("note: %s: %s\n", d->notes[i].symbol, d->notes[i].text);
	if (!d->n_changed && !d->n_new && !d->n_removed)
		printf("no functional change\n");
}

static void json_entries(const struct dobj *x, bool patched_side, const struct dobj *other,
			 enum dsym_kind kind, bool *first)
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
		printf("}");
	}
}

static void print_json(const struct diff *d, const char *out)
{
	json_begin(stdout, 1);
	printf(",\n  \"orig\": ");
	json_string(stdout, d->orig->path);
	printf(",\n  \"patched\": ");
	json_string(stdout, d->patched->path);
	for (int kind = DSYM_FUNC; kind <= DSYM_DATA; kind++) {
		bool first = true;
		printf(",\n  \"%s\": [", kind == DSYM_FUNC ? "functions" : "data");
		json_entries(d->orig, false, d->patched, kind, &first);
		json_entries(d->patched, true, d->orig, kind, &first);
		printf("%s]", first ? "" : "\n  ");
	}
	printf(",\n  \"line_only\": [");
	for (size_t i = 0; i < d->nnotes; i++) {
		printf("%s{\"name\": ", i ? ", " : "");
		json_string(stdout, d->notes[i].symbol);
		printf(", \"detail\": ");
		json_string(stdout, d->notes[i].text);
		printf("}");
	}
	printf("],\n  \"refusals\": [");
	for (size_t i = 0; i < d->nrefusals; i++) {
		printf("%s\n    {\"symbol\": ", i ? "," : "");
		json_string(stdout, d->refusals[i].symbol);
		printf(", \"reason\": ");
		json_string(stdout, d->refusals[i].reason);
		printf(", \"way_out\": ");
		json_string(stdout, d->refusals[i].way_out);
		printf("}");
	}
	printf("%s],\n  \"functional_change\": %s,\n  \"patch\": ", d->nrefusals ? "\n  " : "",
	       d->n_changed || d->n_new || d->n_removed ? "true" : "false");
	json_string(stdout, out);
	printf("\n}\n");
}

int cmd_diff(int argc, char **argv)
{
	struct options opt;
	int status = parse(argc, argv, &opt);
	if (status)
		return status;
	struct diff d;
	if (diff_analyze(&d, opt.orig, opt.patched) < 0) {
		err_print("suture diff");
		diff_free(&d);
		return EXIT_FAILED;
	}
	bool change = d.n_changed || d.n_new || d.n_removed;
	const char *written = NULL;
	status = EXIT_DONE;
	if (d.nrefusals) {
		status = EXIT_FAILED;
	} else if (!change) {
		status = EXIT_NO_CHANGE;
	} else if (opt.out) {
		char *name = patch_name(&opt);
		if (diff_write_patch(&d, opt.out, name) < 0) {
			err_print("suture diff");
			status = EXIT_FAILED;
		} else {
			written = opt.out;
		}
		free(name);
	}
	if (opt.json)
		print_json(&d, written);
	else
		print_text(&d);
	for (size_t i = 0; i < d.nrefusals; i++)
		err_report("suture diff", "cannot patch live: %s: %s; way out: %s",
			   d.refusals[i].symbol, d.refusals[i].reason, d.refusals[i].way_out);
	if (d.nrefusals && opt.out)
		err_report("suture diff", "%s not written", opt.out);
	diff_free(&d);
	return status;
}
