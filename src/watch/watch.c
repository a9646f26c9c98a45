/* `suture watch`: the event loop. */
#include "watch/exec_events.h"
#include "watch/hold.h"
#include "watch/map_events.h"
#include "watch/watch_internal.h"
#include "common/error.h"
#include "elf/elffile.h"
#include "store/deploy.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void watch_say(struct watch *w, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	w->o->say(line);
}

uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A shared library (no PT_INTERP)?  Programs are seen by their exec;
 * marking them too would report the exec's own open of the file. */
static bool is_library(const char *path)
{
	struct elf_file *ef = elf_file_open(path);
	bool lib = ef && ef->ehdr.e_type == ET_DYN;
	size_t n = 0;
	if (lib && elf_getphdrnum(ef->elf, &n) == 0)
		for (size_t i = 0; i < n; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(ef->elf, (int)i, &ph) && ph.p_type == PT_INTERP)
				lib = false;
		}
	if (ef)
		elf_file_close(ef);
	err_clear();
	return lib;
}

int watch_reload(struct watch *w)
{
	store_entries_free(w->patches, w->n_patches);
	char *warn = NULL;
	if (store_load(&w->patches, &w->n_patches, &warn) < 0)
		return -1;
	if (warn)
		watch_say(w, "%s", warn);
	free(warn);
	map_events_clear(w->map_fd);
	for (size_t i = 0; i < w->n_patches; i++)
		if (w->patches[i].target && is_library(w->patches[i].target) &&
		    map_events_mark(w->map_fd, w->patches[i].target) < 0)
			watch_say(w, "patch '%s': %s", w->patches[i].name, err_msg());
	return 0;
}

/* The processes that already run a target when watch starts (started
 * before it, or while it was down) get the patches too. */
static void catch_up(struct watch *w)
{
	for (size_t i = 0; i < w->n_patches; i++) {
		struct apply_opts ao = { .model = STORE_MODEL, .timeout = w->o->timeout };
		struct deployment d;
		deploy_running(w->patches[i].pf, &ao, false, &d);
		for (size_t k = 0; k < d.n; k++)
			if (d.v[k].ok)
				watch_say(w, "patched process %d (%s) with '%s' (it was running already)",
					  d.v[k].pid, d.v[k].comm, w->patches[i].name);
			else
				watch_say(w, "could not patch process %d (%s) with '%s': %s",
					  d.v[k].pid, d.v[k].comm, w->patches[i].name, d.v[k].message);
		deployment_free(&d);
	}
}

static int open_sources(struct watch *w)
{
	w->exec_fd = exec_events_open();
	if (w->exec_fd < 0)
		return -1;
	w->map_fd = map_events_open();
	if (w->map_fd < 0)
		return -1;
	mkdir(store_dir(), 0700);
	w->store_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w->store_fd < 0 || inotify_add_watch(w->store_fd, store_dir(),
						 IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE) < 0)
		return err_set_errno("cannot watch the patch store '%s'", store_dir());
	return 0;
}

static void on_exec_events(struct watch *w)
{
	struct exec_event ev[64];
	int n = exec_events_read(w->exec_fd, ev, 64);
	for (int i = 0; i < n; i++) {
		if (ev[i].pid == getpid())
			continue;
		exec_times_note(&w->execs, ev[i].pid, ev[i].when_ns);
		patch_exec(w, ev[i].pid, ev[i].when_ns);
	}
}

/* The thread group of TID (its process), or 0 when it is gone. */
static pid_t tgid_of(pid_t tid)
{
	char path[64], line[128];
	snprintf(path, sizeof path, "/proc/%d/status", tid);
	FILE *f = fopen(path, "re");
	pid_t tgid = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	if (f)
		fclose(f);
	return tgid;
}

static void on_map_events(struct watch *w)
{
	uint64_t seen = now_ns();
	struct map_event ev[16];
	int n = map_events_read(w->map_fd, ev, 16);
	for (int i = 0; i < n; i++) {
		pid_t pid = tgid_of(ev[i].tid);
		if (pid && pid != getpid())
			patch_mapping(w, pid, ev[i].tid, ev[i].path, seen);
	}
}

static void on_store_change(struct watch *w)
{
	char buf[4096] __attribute__((aligned(8)));
	while (read(w->store_fd, buf, sizeof buf) > 0)
		;
	size_t before = w->n_patches;
	if (watch_reload(w) < 0)
		watch_say(w, "%s", err_msg());
	else if (before != w->n_patches)
		watch_say(w, "watching %zu installed patch%s", w->n_patches, w->n_patches == 1 ? "" : "es");
}

static int stop_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

int watch_run(const struct watch_opts *o)
{
	struct watch w = { .o = o, .exec_fd = -1, .map_fd = -1, .store_fd = -1 };
	int sig_fd = stop_signals();
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int rc = open_sources(&w);
	if (rc == 0)
		rc = watch_reload(&w);
	int fds[] = { w.exec_fd, w.map_fd, w.store_fd, sig_fd };
	for (size_t i = 0; rc == 0 && i < sizeof fds / sizeof fds[0]; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[i] };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0)
			rc = err_set_errno("cannot wait for events");
	}
	if (rc == 0) {
		hold_release_leftovers();
		catch_up(&w);
		watch_say(&w, "watching %zu installed patch%s (store %s)", w.n_patches,
			  w.n_patches == 1 ? "" : "es", store_dir());
	}
	for (bool stop = false; rc == 0 && !stop;) {
		struct epoll_event ev;
		int n = epoll_wait(ep, &ev, 1, -1);
		if (n < 0 && errno != EINTR)
			rc = err_set_errno("waiting for events");
		if (n <= 0)
			continue;
		if (ev.data.fd == w.exec_fd)
			on_exec_events(&w);
		else if (ev.data.fd == w.map_fd)
			on_map_events(&w);
		else if (ev.data.fd == w.store_fd)
			on_store_change(&w);
		else
			stop = true;
	}
	store_entries_free(w.patches, w.n_patches);
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close(ep);
	return rc;
}
