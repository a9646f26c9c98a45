/* Assembling the patch: see assemble.h. */
#include "build/assemble.h"
#include "build/deliver.h"
#include "build/manual_check.h"
#include "build/reach.h"
#include "common/error.h"
#include "common/util.h"
#include "diff/diff.h"
#include "patchfile/patchmerge.h"

#include <stdlib.h>
#include <string.h>

/* The patch parts made so far, each with its target. */
struct parts {
	char **paths;
	uint32_t *objects;
	size_t n;
};

static char *reasons_text(unsigned reasons)
{
	struct buf b = { 0 };
	for (unsigned bit = 1; bit <= DIFF_R_VALUE; bit <<= 1)
		if (reasons & bit)
			buf_printf(&b, "%s%s", b.len ? ", " : "", diff_reason_name(bit));
	return b.data ? b.data : xstrdup("");
}

static const char *target_names(const struct build_session *s, const struct build_unit *u)
{
	for (size_t t = 0; t < s->ntargets; t++)
		if (u->targets & (1ul << t))
			return s->targets[t].name;
	return "";
}

static bool reported(const struct dobj_symbol *sym, bool patched_side)
{
	if (sym->kind == DSYM_OTHER || sym->code_attached)
		return false;
	return patched_side ? sym->state == DIFF_NEW
			    : sym->state == DIFF_CHANGED || sym->state == DIFF_REMOVED;
}

static void report_side(struct build_session *s, const struct build_unit *u,
			const struct dobj *x, bool patched_side)
{
	struct build_report *r = s->report;
	for (size_t i = 0; i < x->nsyms; i++) {
		const struct dobj_symbol *sym = &x->syms[i];
		if (!reported(sym, patched_side))
			continue;
		r->entries = xrealloc(r->entries, (r->nentries + 1) * sizeof *r->entries);
		r->entries[r->nentries++] = (struct build_entry){
			.name = xstrdup(sym->name), .unit = xstrdup(u->rec->source),
			.target = xstrdup(target_names(s, u)), .state = diff_state_name(sym->state),
			.reasons = reasons_text(sym->reasons),
			.detail = sym->detail ? xstrdup(sym->detail) : NULL,
			.is_func = sym->kind == DSYM_FUNC,
		};
	}
}

static void report_unit(struct build_session *s, const struct build_unit *u, const struct diff *d)
{
	struct build_report *r = s->report;
	report_side(s, u, d->orig, false);
	report_side(s, u, d->patched, true);
	for (size_t i = 0; i < d->nnotes; i++)
		r->line_only = strv_add(r->line_only, &r->nline_only,
					xasprintf("%s (%s): %s", d->notes[i].symbol, u->rec->source,
						  d->notes[i].text));
	for (size_t i = 0; i < d->nrefusals; i++) {
		r->refusals = xrealloc(r->refusals, (r->nrefusals + 1) * sizeof *r->refusals);
		r->refusals[r->nrefusals++] = (struct build_refusal){
			xstrdup(u->rec->source), xstrdup(d->refusals[i].symbol),
			xstrdup(d->refusals[i].reason), xstrdup(d->refusals[i].way_out) };
	}
}

/* Compares one unit's objects; a part for each of its targets when it
 * changed.  -1 with err_set() when an object cannot be read. */
static int diff_unit(struct build_session *s, const struct build_unit *u, size_t index,
		     struct parts *parts)
{
	struct diff d;
	int analyzed = s->manual ? diff_analyze_manual(&d, u->orig_obj, u->patched_obj)
				 : diff_analyze(&d, u->orig_obj, u->patched_obj, NULL);
	if (analyzed < 0) {
		diff_free(&d);
		return err_prefix("comparing the two builds of %s", u->rec->source);
	}
	report_unit(s, u, &d);
	int ret = 0;
	bool change = d.n_changed || d.n_new || d.n_removed;
	if (change && !d.nrefusals) {
		char *part = xasprintf("%s/part-%zu.o", s->workdir, index);
		ret = diff_write_patch(&d, part, s->opt->name);
		if (ret == 0)
			ret = reach_check(s, u, part);
		for (size_t t = 0; ret == 0 && t < s->ntargets; t++)
			if (u->targets & (1ul << t)) {
				parts->paths = strv_add(parts->paths, &parts->n, xstrdup(part));
				parts->objects = xrealloc(parts->objects, parts->n * sizeof *parts->objects);
				parts->objects[parts->n - 1] = (uint32_t)t;
			}
		free(part);
	}
	diff_free(&d);
	return ret;
}

static int merge(struct build_session *s, const struct parts *parts)
{
	struct patch_merge_object *objects = xcalloc(s->ntargets, sizeof *objects);
	uint32_t *remap = xcalloc(s->ntargets, sizeof *remap);
	uint32_t *part_object = xcalloc(parts->n + 1, sizeof *part_object);
	size_t nobjects = 0;
	/* Only the targets the patch changes. */
	for (size_t t = 0; t < s->ntargets; t++) {
		bool used = false;
		for (size_t i = 0; i < parts->n; i++)
			used |= parts->objects[i] == t;
		if (!used)
			continue;
		remap[t] = (uint32_t)nobjects;
		objects[nobjects++] = (struct patch_merge_object){
			s->targets[t].name, s->targets[t].build_id, s->targets[t].build_id_len };
		char hex[2 * SUTURE_BUILD_ID_MAX + 1];
		build_id_to_hex(s->targets[t].build_id, s->targets[t].build_id_len, hex);
		s->report->targets = strv_add(s->report->targets, &s->report->ntargets,
					      xasprintf("%s %s", s->targets[t].path, hex));
	}
	for (size_t i = 0; i < parts->n; i++)
		part_object[i] = remap[parts->objects[i]];
	char *made = xasprintf("%s/made.patch", s->workdir);
	int ret = patch_merge_objects((const char *const *)parts->paths, part_object, parts->n,
				      s->opt->name, objects, nobjects, made);
	if (ret == 0 && s->manual)
		ret = manual_check_target(s, made);
	if (ret == 0)
		ret = deliver_patch(made, s->opt->sign_key, s->outdir_fd,
				    strrchr(s->opt->out, '/') + 1);
	free(made);
	free(objects);
	free(remap);
	free(part_object);
	return ret;
}

int assemble_patch(struct build_session *s)
{
	struct parts parts = { 0 };
	int ret = 0;
	for (size_t i = 0; i < s->nunits && ret == 0; i++)
		if (s->units[i].changed) {
			progress(s, "comparing %s", s->units[i].rec->source);
			ret = diff_unit(s, &s->units[i], i, &parts);
		}
	if (ret == 0) {
		if (s->report->nrefusals)
			ret = BUILD_REFUSED;
		else if (parts.n == 0)
			ret = BUILD_NO_CHANGE;
		else if (s->before_write && (ret = s->before_write(s)) != 0)
			;   /* refused: nothing written */
		else if ((ret = merge(s, &parts)) == 0)
			s->report->written = true;
	}
	for (size_t i = 0; i < parts.n; i++)
		free(parts.paths[i]);
	free(parts.paths);
	free(parts.objects);
	return ret;
}
