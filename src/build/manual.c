/* suture build --manual: a patch from a hand-written patch source, the
 * kGraft way, with klp-convert's resolution of the target's private
 * symbols.
 *
 * The source is compiled with suture-cc as the target's own units were
 * (their records' options and level, in their directory); each function
 * it defines replaces the target's function of that name.  The units
 * defining those are compared with it as suture diff compares two builds
 * of a unit, except that what the source does not define is left as it
 * is: its references to the target's functions and data (plain externs
 * for globals, SUTURE_STATIC for statics, or a copy of a static datum
 * left unchanged) stay references into the target, resolved by the
 * runtime.  Before anything is written, the impacted lists of the
 * replaced functions are checked (manual_check.c).  The patch is bound to
 * the target by build-id and written like any other (assemble.c). */
#include "build/build.h"
#include "build/assemble.h"
#include "build/command.h"
#include "build/manual_check.h"
#include "build/manual_units.h"
#include "build/session.h"
#include "build/targets.h"
#include "build/unit_compile.h"
#include "build/units.h"
#include "build/workdir.h"
#include "common/error.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

static int prepare(struct build_session *s)
{
	if (session_open_outdir(s) < 0)
		return -1;
	s->targets = xcalloc(1, sizeof *s->targets);
	if (target_load(&s->targets[0], s->opt->targets[0]) < 0)
		return -1;
	s->ntargets = 1;
	if (!(s->workdir = workdir_create()))
		return -1;
	s->log = xasprintf("%s/build.log", s->workdir);
	units_collect(s);
	return 0;
}

/* Only ONE's objects are compared: the original (one unit's, or several
 * joined) and the patch source's. */
static void keep_one_unit(struct build_session *s, size_t one, char *orig, char *source_obj)
{
	for (size_t i = 0; i < s->nunits; i++)
		s->units[i].changed = i == one;
	struct build_unit *u = &s->units[one];
	free(u->orig_obj);
	u->orig_obj = orig;
	u->patched_obj = source_obj;
	s->manual_unit = one;
}

/* Compiles the patch source with the options of unit I, into OBJ. */
static int compile_source(struct build_session *s, size_t i, const char *obj)
{
	progress(s, "compiling %s as %s", s->opt->manual_source, s->units[i].rec->source);
	return compile_as_unit(s, s->units[i].rec, s->opt->manual_source, obj, true);
}

/* Whether A and B compile with the same options: their arguments equal
 * but for the source and the object. */
static bool same_options(const struct unit_record *a, const struct unit_record *b)
{
	if (a->n_args != b->n_args || strcmp(a->directory, b->directory) != 0)
		return false;
	for (size_t i = 0; i < a->n_args; i++) {
		bool sources = strcmp(a->args[i], a->source) == 0 && strcmp(b->args[i], b->source) == 0;
		bool objects = i > 0 && strcmp(a->args[i - 1], "-o") == 0;
		if (!sources && !objects && strcmp(a->args[i], b->args[i]) != 0)
			return false;
	}
	return true;
}

static int pipeline(struct build_session *s)
{
	if (prepare(s) < 0)
		return -1;
	/* first with the first unit's options, to learn what it defines;
	 * then again with those of the unit it replaces functions of, if
	 * they differ (its -D, its -I) */
	char *source_obj = xasprintf("%s/patch-source.o", s->workdir);
	size_t nfuncs = 0, first = 0;
	char **funcs = NULL, *orig = NULL;
	int ret = compile_source(s, 0, source_obj);
	if (ret == 0 && !(funcs = object_functions(source_obj, &nfuncs)))
		ret = -1;
	if (ret == 0)
		ret = manual_find_units(s, funcs, nfuncs, &first, &orig);
	if (ret == 0 && !same_options(s->units[0].rec, s->units[first].rec))
		ret = compile_source(s, first, source_obj);
	strv_free(funcs, nfuncs);
	if (ret < 0) {
		free(source_obj);
		free(orig);
		return -1;
	}
	keep_one_unit(s, first, orig, source_obj);
	return assemble_patch(s);
}

int build_manual(const struct build_options *opt, struct build_report *report)
{
	memset(report, 0, sizeof *report);
	struct build_session s = { .opt = opt, .report = report, .outdir_fd = -1, .manual = true,
				   .before_write = manual_check_impacted };
	double start = build_now();
	command_catch_signals();
	int ret = pipeline(&s);
	report->secs_total = build_now() - start;
	session_end(&s);
	return ret;
}
