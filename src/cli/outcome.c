#include "cli/outcome.h"
#include "common/json.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[OC_KINDS] = {
	[OC_APPLIED] = "applied", [OC_ALREADY] = "already-applied", [OC_UNDONE] = "undone",
	[OC_SKIPPED] = "skipped", [OC_FAILED] = "failed", [OC_REVERTED] = "reverted",
	[OC_UNKNOWN] = "unknown",
	[OC_WOULD_APPLY] = "would-apply", [OC_WOULD_REVERT] = "would-revert",
};

const char *outcome_kind_name(enum outcome_kind kind)
{
	return kind_names[kind];
}

struct outcome *outcomes_add(struct outcomes *o, pid_t pid, enum outcome_kind kind, const char *message)
{
	o->v = xrealloc(o->v, (o->n + 1) * sizeof *o->v);
	struct outcome *oc = &o->v[o->n++];
	memset(oc, 0, sizeof *oc);
	oc->pid = pid;
	oc->kind = kind;
	oc->message = message ? xstrdup(message) : NULL;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/comm", pid);
	read_first_line(path, oc->comm, sizeof oc->comm);
	return oc;
}

size_t outcomes_count(const struct outcomes *o, enum outcome_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < o->n; i++)
		n += o->v[i].kind == kind;
	return n;
}

char *outcome_line(const struct outcome *oc)
{
	char named[32];
	snprintf(named, sizeof named, "process %d", oc->pid);
	const char *msg = oc->message ? oc->message : outcome_kind_name(oc->kind);
	/* a process gone before its command was read is named by its PID alone */
	char *comm = strcmp(oc->comm, "?") ? xasprintf(" (%s)", oc->comm) : xstrdup("");
	char *line;
	if (!str_starts_with(msg, named))
		line = xasprintf("%s%s: %s", named, comm, msg);
	else if (str_starts_with(msg + strlen(named), " ("))
		line = xstrdup(msg);
	else    /* "process 12 holds ..." gets its command: "process 12 (server) holds ..." */
		line = xasprintf("%s%s%s", named, comm, msg + strlen(named));
	free(comm);
	return line;
}

void outcomes_print_json(const struct outcomes *o, const char *patch, bool dry_run, int exit_status)
{
	json_begin(stdout, 1);
	printf(", \"patch\": ");
	json_string(stdout, patch);
	printf(", \"dry_run\": %s, \"exit_status\": %d, \"processes\": [", dry_run ? "true" : "false",
	       exit_status);
	for (size_t i = 0; i < o->n; i++) {
		const struct outcome *oc = &o->v[i];
		printf("%s\n  {\"pid\": %d, \"comm\": ", i ? "," : "", oc->pid);
		json_string(stdout, oc->comm);
		printf(", \"result\": \"%s\", \"message\": ", outcome_kind_name(oc->kind));
		json_string(stdout, oc->message);
		printf("}");
	}
	printf("%s], \"counts\": {", o->n ? "\n" : "");
	bool first = true;
	for (int k = 0; k < OC_KINDS; k++) {
		size_t n = outcomes_count(o, (enum outcome_kind)k);
		if (!n)
			continue;
		printf("%s\"%s\": %zu", first ? "" : ", ", kind_names[k], n);
		first = false;
	}
	printf("}}\n");
}

void outcomes_free(struct outcomes *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i].message);
	free(o->v);
	o->v = NULL;
	o->n = 0;
}
