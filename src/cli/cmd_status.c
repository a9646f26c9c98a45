/* suture status: see man/suture-status.1. */
#include "cli/commands.h"
#include "cli/runtime_args.h"
#include "common/error.h"
#include "common/json.h"
#include "common/util.h"
#include "elf/elffile.h"
#include "runtime/runtime.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char usage_status[] =
	"usage: suture status [--json] [PID...|--all]\n"
	"  the patches each process runs (default, and --all: every process that has one)\n"
	"  --json  as JSON (schemas/status.json)\n";

static bool shown(const struct state_entry *e)
{
	return e->patch.state != PS_REVERTED && e->patch.state != PS_REPLACED;
}

static size_t shown_count(const struct proc_status *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->st.n; i++)
		n += shown(&s->st.entries[i]);
	return n;
}

/* Which code a patch's functions run: an interrupted switch is decided
 * by the gate byte. */
static const char *runs(const struct proc_status *s, size_t i)
{
	uint32_t st = s->st.entries[i].patch.state;
	if (st == PS_APPLIED)
		return "new";
	if (st == PS_LOADED)
		return "old";
	return s->gate[i] == 1 ? "new" : s->gate[i] == 0 ? "old" : s->gate[i] == 2 ? "by thread" : "unknown";
}

/* The per-thread universes of patch I, when a `thread` transition of it
 * is on (its gate says "by thread"). */
static const struct state_threads *transition_of(const struct proc_status *s, size_t i)
{
	const struct state_threads *th = &s->st.threads;
	if (s->gate[i] != 2 || !th->seq || th->seq != s->st.entries[i].patch.seq)
		return NULL;
	return th;
}

static void print_transition_json(const struct state_threads *th)
{
	printf(", \"transition\": {\"to\": \"%s\", \"threads\": [", th->target ? "new" : "old");
	for (uint32_t k = 0; k < th->n; k++)
		printf("%s{\"tid\": %d, \"universe\": \"%s\"}", k ? ", " : "", th->t[k].tid,
		       th->t[k].universe ? "new" : "old");
	printf("], \"waiting\": [");
	bool first = true;
	for (uint32_t k = 0; k < th->n; k++)
		if (th->t[k].universe != th->target) {
			printf("%s%d", first ? "" : ", ", th->t[k].tid);
			first = false;
		}
	printf("]}");
}

static void print_transition_text(const struct state_threads *th)
{
	uint32_t waiting = 0;
	for (uint32_t k = 0; k < th->n; k++)
		waiting += th->t[k].universe != th->target;
	printf("    transition to the %s code: %u of %u threads switched; waiting for:", th->target ? "new" : "old",
	       th->n - waiting, th->n);
	for (uint32_t k = 0; k < th->n; k++)
		if (th->t[k].universe != th->target)
			printf(" %d", th->t[k].tid);
	printf("%s\n", waiting ? "" : " none");
}

static void print_json(const struct proc_status *s, bool first)
{
	printf("%s{\"pid\": %d, \"comm\": ", first ? "" : ", ", s->pid);
	json_string(stdout, s->comm);
	if (s->damaged) {
		printf(", \"damaged\": ");
		json_string(stdout, s->damaged);
	}
	printf(", \"record_used\": %" PRIu64 ", \"patches\": [", s->st.image.used);
	bool firstp = true;
	for (size_t i = 0; i < s->st.n; i++) {
		const struct state_entry *e = &s->st.entries[i];
		if (!shown(e))
			continue;
		char hex[129];
		build_id_to_hex(e->patch.build_id, e->patch.build_id_len, hex);
		printf("%s{\"name\": ", firstp ? "" : ", ");
		json_string(stdout, e->patch.name);
		printf(", \"state\": \"%s\", \"interrupted\": %s, \"runs\": \"%s\", \"consistency\": \"%s\", "
		       "\"object\": ", patch_state_name(e->patch.state),
		       e->patch.state == PS_APPLIED ? "false" : "true", runs(s, i),
		       consistency_name(e->patch.model));
		json_string(stdout, e->patch.object);
		printf(", \"build_id\": \"%s\", \"sequence\": %" PRIu64 ", \"applied_at\": %" PRIu64
		       ", \"unsafe\": %s", hex, e->patch.seq, e->patch.applied_at,
		       e->patch.flags & SP_UNSAFE ? "true" : "false");
		const struct state_threads *th = transition_of(s, i);
		if (th)
			print_transition_json(th);
		printf(", \"functions\": [");
		for (uint32_t k = 0; k < e->patch.n_funcs; k++) {
			const struct state_func *f = &e->funcs[k];
			printf("%s{\"name\": ", k ? ", " : "");
			json_string(stdout, f->name);
			printf(", \"address\": \"0x%" PRIx64 "\", \"new_address\": \"0x%" PRIx64 "\"}",
			       f->old_addr, f->new_addr);
		}
		printf("]}");
		firstp = false;
	}
	printf("]}");
}

static void print_text(const struct proc_status *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->st.n; i++)
		n += shown(&s->st.entries[i]);
	if (s->damaged) {
		printf("process %d (%s): damaged record: %s\n", s->pid, s->comm, s->damaged);
		return;
	}
	printf("process %d (%s): %zu patch%s\n", s->pid, s->comm, n, n == 1 ? "" : "es");
	for (size_t i = 0; i < s->st.n; i++) {
		const struct state_entry *e = &s->st.entries[i];
		if (!shown(e))
			continue;
		char hex[129];
		build_id_to_hex(e->patch.build_id, e->patch.build_id_len, hex);
		printf("  %s: %s (%s%s), %s build-id %s\n", e->patch.name, patch_state_name(e->patch.state),
		       consistency_name(e->patch.model),
		       e->patch.flags & SP_UNSAFE ? ", unsafe: --force switched threads unchecked" : "",
		       e->patch.object, hex);
		const struct state_threads *th = transition_of(s, i);
		if (th)
			print_transition_text(th);
		if (e->patch.state != PS_APPLIED && runs(s, i)[0] == 'b')
			printf("    %s in transition, thread by thread (each runs the code of its universe); "
			       "if no suture is at work on it, 'suture revert %d %s' reverses it\n",
			       e->patch.state == PS_REVERTING ? "revert" : "apply", s->pid, e->patch.name);
		else if (e->patch.state != PS_APPLIED)
			printf("    interrupted %s: the process runs the %s code; 'suture revert %d %s' cleans up\n",
			       e->patch.state == PS_REVERTING ? "revert" : "apply", runs(s, i), s->pid,
			       e->patch.name);
		for (uint32_t k = 0; k < e->patch.n_funcs; k++) {
			const struct state_func *f = &e->funcs[k];
			if (f->new_addr)
				printf("    %s 0x%" PRIx64 " -> 0x%" PRIx64 "\n", f->name, f->old_addr, f->new_addr);
			else
				printf("    %s 0x%" PRIx64 " (original)\n", f->name, f->old_addr);
		}
	}
}

/* One process; with ONLY_PATCHED (no PID named) one without patches is
 * left out.  Returns 1 when shown, 0 when not, -1 on error. */
static int show_one(pid_t pid, bool json, bool only_patched, bool first)
{
	struct proc_status s;
	if (runtime_status(pid, &s) < 0)
		return -1;
	int shown_here = !only_patched || shown_count(&s) > 0 || s.damaged;
	if (shown_here && json)
		print_json(&s, first);
	else if (shown_here)
		print_text(&s);
	/* a damaged record is shown, and the exit says something is wrong */
	if (s.damaged)
		err_set("process %d (%s): suture's record is damaged: %s", pid, s.comm, s.damaged);
	int rc = s.damaged ? -2 : shown_here;
	proc_status_free(&s);
	return rc;
}

int cmd_status(int argc, char **argv)
{
	struct runtime_args ra;
	if (runtime_args_parse("status", argc, argv, &ra, false) < 0)
		return runtime_args_free(&ra), EXIT_USAGE;
	if (ra.model) {
		runtime_args_free(&ra);
		return usage_error("status", "--consistency is for apply");
	}
	bool every = ra.all || ra.npids == 0;
	pid_t *pids = ra.pids;
	size_t n = ra.npids, count = 0;
	if (every)
		n = list_pids(&pids);
	int status = EXIT_DONE;
	if (ra.json) {
		json_begin(stdout, 1);
		printf(", \"processes\": [");
	}
	for (size_t i = 0; i < n; i++) {
		if (every && (pids[i] == getpid() || !runtime_has_state(pids[i])))
			continue;
		int rc = show_one(pids[i], ra.json, every, count == 0);
		/* a PID asked for must be read; in the listing of every process,
		 * one that cannot be (another suture's record) is said and passed;
		 * a damaged record (-2) is shown, and fails a PID asked for */
		if (rc == -1 && (!every || runtime_pid_usable(pids[i])))
			err_print("suture status");
		if (rc < 0 && !every)
			status = EXIT_FAILED;
		count += rc > 0 || rc == -2;
	}
	if (ra.json)
		printf("]}\n");
	else if (every && count == 0)
		printf("no process has a patch applied\n");
	if (every)
		free(pids);
	runtime_args_free(&ra);
	return status;
}
