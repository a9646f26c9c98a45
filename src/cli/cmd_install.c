/* suture install: see man/suture-install.1. */
#include "cli/commands.h"
#include "common/error.h"
#include "common/warning.h"
#include "store/deploy.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

const char usage_install[] =
	"usage: suture install [--target FILE] [--timeout SECONDS] [--no-apply] PATCH\n"
	"  keeps PATCH in the patch store and applies it to every running process of its\n"
	"  target build; `suture watch` applies it to the processes that start later\n"
	"  --target FILE      the program or library the patch is for (needed when the\n"
	"                     patch names no build-id; lets watch see a library mapped)\n"
	"  --timeout SECONDS  how long each switch may wait (default 10)\n"
	"  --no-apply         only keep it: running processes are left as they are\n";

static void print_deployment(const char *name, const struct deployment *d)
{
	if (d->n == 0) {
		printf("installed '%s'; no running process runs its target build\n", name);
		return;
	}
	printf("installed '%s'; applied to %zu running process%s:", name, d->n, d->n == 1 ? "" : "es");
	for (size_t i = 0; i < d->n; i++)
		printf(" %d (%s)", d->v[i].pid, d->v[i].comm);
	printf("\n");
}

/* The store keeps only what could be applied: on a failure the patch is
 * reverted where it was applied and forgotten again. */
static int install(const char *patch, const char *target, double timeout, bool apply)
{
	char *name = NULL;
	if (store_add(patch, target, &name) < 0) {
		err_print("suture install");
		return EXIT_FAILED;
	}
	if (!apply) {
		printf("installed '%s' (%s/%s.patch); running processes left as they are\n",
		       name, store_dir(), name);
		free(name);
		return EXIT_DONE;
	}
	char *path = store_patch_path(name);
	struct patch_file *pf = patch_file_open(path);
	struct apply_opts ao = { .model = STORE_MODEL, .timeout = timeout };
	struct deployment d = { 0 };
	int status = EXIT_DONE;
	int rc = pf ? deploy_running(pf, &ao, true, &d) : -1;
	warn_print("suture install");
	if (rc < 0) {
		err_print("suture install");
		status = EXIT_FAILED;
		if (store_hide(name) == 0)
			store_delete(name);
		fprintf(stderr, "suture install: '%s' is not installed; every process is as it was\n", name);
	} else {
		print_deployment(name, &d);
	}
	deployment_free(&d);
	patch_file_close(pf);
	free(path);
	free(name);
	return status;
}

int cmd_install(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "no-apply", no_argument, NULL, 'n' },
		{ 0 },
	};
	const char *target = NULL;
	double timeout = 10.0;
	bool apply = true;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 't': target = optarg; break;
		case 'n': apply = false; break;
		case 'T':
			timeout = strtod(optarg, &end);
			if (*end || end == optarg || timeout <= 0)
				return usage_error("install", "--timeout takes a number of seconds, not '%s'", optarg);
			break;
		default: return option_error("install", c, argv);
		}
	}
	if (argc - optind != 1)
		return usage_error("install", "expects one PATCH");
	return install(argv[optind], target, timeout, apply);
}
