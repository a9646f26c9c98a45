/* The units a patch source replaces functions of: see manual_units.h. */
#include "build/manual_units.h"
#include "build/command.h"
#include "build/unit_compile.h"
#include "common/error.h"
#include "common/util.h"
#include "diff/object.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char **object_functions(const char *path, size_t *n)
{
	struct dobj *o = dobj_open(path);
	if (!o)
		return NULL;
	char **names = xcalloc(1, sizeof *names);
	*n = 0;
	for (size_t i = 0; i < o->nsyms; i++) {
		const struct dobj_symbol *s = &o->syms[i];
		if (s->kind == DSYM_FUNC && s->sym.st_shndx != SHN_UNDEF && !s->is_part &&
		    !str_in_list(names, *n, s->name))
			names = strv_add(names, n, xstrdup(s->name));
	}
	dobj_close(o);
	return names;
}

static bool is_regular(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The object of unit I: the tree's, or compiled again into the work
 * directory (u->orig_obj gets it). */
static int unit_object_path(struct build_session *s, size_t i)
{
	struct build_unit *u = &s->units[i];
	if (is_regular(u->output)) {
		u->orig_obj = xstrdup(u->output);
		return 0;
	}
	progress(s, "compiling %s (its object is not in the tree)", u->rec->source);
	u->orig_obj = xasprintf("%s/unit-%zu.o", s->workdir, i);
	return compile_as_unit(s, u->rec, u->source, u->orig_obj, false);
}

/* A static function FUNC that unit I defines and the unit of source
 * OTHER too: which one the patch source replaces cannot be told. */
static int refuse_ambiguous(struct build_session *s, size_t i, const char *func, const char *other)
{
	return err_set("%s and %s both define a function '%s': a patch source cannot say which "
		       "one it replaces; if it is a new helper, give it a name of its own", other,
		       s->units[i].rec->source, func);
}

/* Does the record of unit U name FUNC in GCC's dump (a function it
 * inlined everywhere or removed has no code of its own left)? */
static bool record_names(const struct build_unit *u, const char *func)
{
	size_t len = strlen(func);
	for (size_t i = 0; i < u->rec->n_ipa_clones; i++) {
		const char *field = strchr(u->rec->ipa_clones[i], ';');
		if (field && strncmp(field + 1, func, len) == 0 && field[1 + len] == ';')
			return true;
	}
	return false;
}

/* Does unit I define a function of FUNCS, or had one that GCC inlined
 * everywhere?  Sets its `changed` mark. */
static int mark_unit(struct build_session *s, size_t i, char *const *funcs, size_t nfuncs,
		     const char **defined_by)
{
	size_t n;
	char **names = object_functions(s->units[i].orig_obj, &n);
	if (!names)
		return -1;
	int ret = 0;
	for (size_t f = 0; f < nfuncs && ret == 0; f++) {
		if (!str_in_list(names, n, funcs[f])) {
			s->units[i].changed |= record_names(&s->units[i], funcs[f]);
			continue;
		}
		if (defined_by[f])
			ret = refuse_ambiguous(s, i, funcs[f], defined_by[f]);
		defined_by[f] = s->units[i].rec->source;
		s->units[i].changed = true;
	}
	strv_free(names, n);
	return ret;
}

/* `ld -r` of the marked units' objects into the work directory. */
static char *join_objects(struct build_session *s)
{
	char **argv = xcalloc(s->nunits + 5, sizeof *argv);
	size_t n = 0;
	char *out = xasprintf("%s/original.o", s->workdir);
	argv[n++] = "ld";
	argv[n++] = "-r";
	argv[n++] = "-o";
	argv[n++] = out;
	for (size_t i = 0; i < s->nunits; i++)
		if (s->units[i].changed)
			argv[n++] = s->units[i].orig_obj;
	int status = command_run(argv, s->workdir, s->log, NULL);
	free(argv);
	if (status != 0) {
		if (status > 0)
			err_set("joining the original objects with ld -r failed (exit %d)", status);
		free(out);
		return NULL;
	}
	return out;
}

int manual_find_units(struct build_session *s, char *const *funcs, size_t nfuncs, size_t *first,
		      char **orig)
{
	const char **defined_by = xcalloc(nfuncs + 1, sizeof *defined_by);
	size_t nmarked = 0;
	int ret = 0;
	for (size_t i = 0; i < s->nunits && ret == 0; i++) {
		if (command_interrupted())
			ret = err_set("interrupted");
		else if ((ret = unit_object_path(s, i)) == 0 &&
			 (ret = mark_unit(s, i, funcs, nfuncs, defined_by)) == 0 && s->units[i].changed)
			if (nmarked++ == 0)
				*first = i;
	}
	free(defined_by);
	if (ret < 0)
		return -1;
	if (nmarked == 0)
		return err_set("%s defines no function of %s: name each function it replaces as "
			       "the target names it", s->opt->manual_source, s->targets[0].path);
	*orig = nmarked == 1 ? xstrdup(s->units[*first].orig_obj) : join_objects(s);
	return *orig ? 0 : -1;
}
