/* The JIT descriptor's library in the process (see gdb_jit_lib.h). */
#include "runtime/gdb_jit_lib.h"
#include "runtime/async_call.h"
#include "runtime/inject.h"
#include "runtime/symbols.h"
#include "gdbjit/gdbjit_config.h"
#include "gdbjit/jit_abi.h"
#include "common/error.h"
#include "common/util.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The process runs this file's code: it must be ours (root's, or the
 * user's running suture) and writable by no one else. */
static int trusted(const char *path, const struct stat *st)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return err_set("%s belongs to user %u: it is not loaded into processes (chown root it)", path,
			       (unsigned)st->st_uid);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return err_set("%s is writable by others than its owner: it is not loaded into processes "
			       "(chmod go-w it)", path);
	return 0;
}

/* PATH as the process PID sees it (its root may be another): the same file. */
static bool seen_by(pid_t pid, const char *path, const struct stat *ours)
{
	char there[PATH_MAX + 32];
	struct stat st;
	snprintf(there, sizeof there, "/proc/%d/root%s", pid, path);
	return stat(there, &st) == 0 && st.st_dev == ours->st_dev && st.st_ino == ours->st_ino;
}

static int candidate(pid_t pid, const char *file, char path[PATH_MAX])
{
	struct stat st;
	if (!realpath(file, path) || stat(path, &st) < 0)
		return 0;
	if (trusted(path, &st) < 0)
		return -1;
	if (!seen_by(pid, path, &st))
		return err_set("process %d does not see %s (it runs in another root)", pid, path);
	return 1;
}

int jit_lib_path(pid_t pid, char path[PATH_MAX])
{
	char exe[PATH_MAX] = "";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	/* a suture run from its build tree loads the library built with it */
	char *built = xasprintf("%s/%s", exe, SUTURE_GDBJIT_BUILT);
	int rc = candidate(pid, built, path);
	free(built);
	if (rc == 0)
		rc = candidate(pid, SUTURE_GDBJIT_INSTALLED, path);
	if (rc == 0)
		rc = err_set("%s is missing (reinstall suture)", SUTURE_GDBJIT_INSTALLED);
	return rc < 0 ? -1 : 0;
}

int jit_lib_find(const struct object *objs, size_t nobjs, struct jit_lib *lib)
{
	for (size_t i = 0; i < nobjs; i++) {
		struct resolved desc, reg;
		if (strcmp(objs[i].basename, JIT_LIB_NAME) != 0 ||
		    sym_in_object(&objs[i], JIT_DESCRIPTOR_NAME, NULL, &desc) != 1 ||
		    sym_in_object(&objs[i], JIT_REGISTER_NAME, NULL, &reg) != 1)
			continue;
		*lib = (struct jit_lib){ .descriptor = desc.addr };
		struct resolved libgcc;
		if (sym_in_object(&objs[i], SUTURE_LIBGCC_NAME, NULL, &libgcc) == 1)
			lib->libgcc = libgcc.addr;
		return 1;
	}
	return 0;
}

char *jit_lib_strings(const char *path, size_t *len)
{
	size_t n = strlen(path) + 1;
	*len = n + sizeof JIT_DESCRIPTOR_NAME + sizeof JIT_REGISTER_NAME;
	char *s = xmalloc(*len);
	memcpy(s, path, n);
	memcpy(s + n, JIT_DESCRIPTOR_NAME, sizeof JIT_DESCRIPTOR_NAME);
	memcpy(s + n + sizeof JIT_DESCRIPTOR_NAME, JIT_REGISTER_NAME, sizeof JIT_REGISTER_NAME);
	return s;
}

/* dlopen() reads the library from disk */
#define DLOPEN_TIMEOUT 10.0

/* FN(A0, A1) in the process, FN found by name in its global scope. */
static int call_named(struct proc *p, struct thread *t, const struct object *objs, size_t nobjs,
		      const char *fn, uint64_t a0, uint64_t a1, uint64_t *ret)
{
	struct resolved r;
	if (sym_global(p, objs, nobjs, fn, &r) != 1)
		return err_set("process %d has no %s()", p->pid, fn);
	uint64_t args[2] = { a0, a1 }, ignored;
	return async_call(p, t, r.addr, NULL, 0, args, DLOPEN_TIMEOUT, ret ? ret : &ignored);
}

/* The error of a dlopen() that returned NULL, with dlerror()'s words. */
static int why_not_loaded(struct proc *p, struct thread *t, const struct object *objs, size_t nobjs,
			  const char *path)
{
	uint64_t msg = 0;
	char why[256] = "";
	if (call_named(p, t, objs, nobjs, "dlerror", 0, 0, &msg) == 0 && msg &&
	    mem_read(p, msg, why, sizeof why - 1) == 0)
		why[sizeof why - 1] = 0;
	else
		why[0] = 0;
	return err_set("process %d cannot load %s%s%s", p->pid, path, *why ? ": " : "", why);
}

int jit_lib_load(struct proc *p, struct thread *t, const struct object *objs, size_t nobjs,
		 uint64_t path_addr, struct jit_lib *lib)
{
	if (jit_lib_find(objs, nobjs, lib) == 1)
		return 0;
	char path[PATH_MAX];
	if (mem_read(p, path_addr, path, sizeof path) < 0)
		return -1;
	path[PATH_MAX - 1] = 0;
	uint64_t desc_name = path_addr + strlen(path) + 1, reg_name = desc_name + sizeof JIT_DESCRIPTOR_NAME;
	*lib = (struct jit_lib){ 0 };
	uint64_t opened = 0;
	if (call_named(p, t, objs, nobjs, "dlopen", path_addr, RTLD_NOW | RTLD_LOCAL, &opened) < 0)
		return -1;
	if (!opened)
		return why_not_loaded(p, t, objs, nobjs, path);
	/* its symbols read from its file: two calls fewer than dlsym */
	struct object *now;
	size_t nnow;
	int found = objects_read_now(p->pid, &now, &nnow) == 0 ? jit_lib_find(now, nnow, lib) : 0;
	objects_free(now, nnow);
	err_clear();
	lib->opened = opened;   /* (jit_lib_find fills *LIB whole) */
	if (found == 1)
		return 0;
	uint64_t register_code = 0;
	if (call_named(p, t, objs, nobjs, "dlsym", opened, desc_name, &lib->descriptor) < 0 ||
	    call_named(p, t, objs, nobjs, "dlsym", opened, reg_name, &register_code) < 0)
		return -1;
	if (!lib->descriptor || !register_code)
		return err_set("%s in process %d lacks %s", path, p->pid, JIT_REGISTER_NAME);
	return 0;
}

int jit_lib_unload(struct proc *p, struct thread *t, const struct object *objs, size_t nobjs,
		   uint64_t path_addr)
{
	uint64_t handle = 0;
	if (call_named(p, t, objs, nobjs, "dlopen", path_addr, RTLD_NOW | RTLD_NOLOAD, &handle) < 0)
		return -1;
	if (!handle)
		return 0;
	jit_lib_close(p, t, objs, nobjs, handle);
	jit_lib_close(p, t, objs, nobjs, handle);
	return 0;
}

void jit_lib_close(struct proc *p, struct thread *t, const struct object *objs, size_t nobjs,
		   uint64_t handle)
{
	if (handle)
		call_named(p, t, objs, nobjs, "dlclose", handle, 0, NULL);
}
