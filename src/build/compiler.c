/* The compiler wrappers: see compiler.h. */
#include "build/compiler.h"
#include "common/error.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const wrapper_names[] = {
	"cc", "gcc", "gcc-12", "x86_64-linux-gnu-gcc", "x86_64-linux-gnu-gcc-12", "c99", "c89",
	"suture-cc",   /* a Makefile's CC = suture-cc, when it is not on PATH */
};

/* The gcc that PATH finds now, before the wrappers hide it. */
static char *real_gcc(void)
{
	const char *env = getenv("SUTURE_CC_GCC");
	if (env && *env)
		return xstrdup(env);
	const char *path = getenv("PATH");
	char *copy = xstrdup(path ? path : "/usr/bin:/bin");
	char *found = NULL;
	for (char *dir = strtok(copy, ":"); dir && !found; dir = strtok(NULL, ":")) {
		char *candidate = xasprintf("%s/gcc", *dir ? dir : ".");
		if (access(candidate, X_OK) == 0)
			found = candidate;
		else
			free(candidate);
	}
	free(copy);
	return found;
}

static int write_wrapper(const char *path, const char *suture_cc, const char *level)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return err_set_errno("cannot write the compiler wrapper %s", path);
	/* The level only when the command line does not choose one. */
	fprintf(f, "#!/bin/sh\n"
		   "# suture build: this compile goes through suture-cc\n"
		   "for a; do case $a in -fease-live-patching*) exec '%s' \"$@\";; esac; done\n"
		   "exec '%s' -fease-live-patching=%s \"$@\"\n",
		suture_cc, suture_cc, level);
	fclose(f);
	if (chmod(path, 0755) < 0)
		return err_set_errno("cannot make %s executable", path);
	return 0;
}

int compiler_setup(const char *workdir, const char *suture_cc, const char *level)
{
	char *gcc = real_gcc();
	if (!gcc)
		return err_set("no gcc on PATH: install gcc (suture-cc drives it)");
	setenv("SUTURE_CC_GCC", gcc, 1);
	free(gcc);
	char *dir = xasprintf("%s/bin", workdir);
	int ret = mkdir(dir, 0755) < 0 ? err_set_errno("cannot create %s", dir) : 0;
	for (size_t i = 0; ret == 0 && i < ARRAY_SIZE(wrapper_names); i++) {
		char *path = xasprintf("%s/%s", dir, wrapper_names[i]);
		ret = write_wrapper(path, suture_cc, level);
		free(path);
	}
	if (ret == 0) {
		const char *old = getenv("PATH");
		char *path = xasprintf("%s:%s", dir, old ? old : "/usr/bin:/bin");
		setenv("PATH", path, 1);
		free(path);
		char *cc = xasprintf("%s/cc", dir);
		setenv("CC", cc, 1);
		free(cc);
	}
	free(dir);
	return ret;
}
