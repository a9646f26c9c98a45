/* suture build: a patch from a source diff (kpatch-build style), or from a
 * hand-written source (--manual).  See man/suture-build.1 and
 * docs/build.md; the work is in src/build/, the report's printing in
 * build_report.c. */
#include "build/build.h"
#include "cli/build_report.h"
#include "cli/commands.h"
#include "common/error.h"
#include "common/util.h"
#include "trust/keys.h"

#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char usage_build[] =
	"usage: suture build [-C SRCDIR] [--build 'CMD'] [--target FILE]... [--sign KEY] [--json]\n"
	"                    -o PATCH DIFF\n"
	"       suture build --manual SRC.c --target FILE [--force] [--sign KEY] [--json] -o PATCH\n"
	"  -C SRCDIR      the source tree the targets were built from (default: .)\n"
	"  --build 'CMD'  the project's build command, run in SRCDIR (default: make)\n"
	"  --target FILE  an executable or shared library to patch (default: every one\n"
	"                 under SRCDIR built with suture-cc that the diff changes)\n"
	"  -o PATCH       the patch to write\n"
	"  --name NAME    the patch's name (default: PATCH's base name)\n"
	"  --sign KEY     sign the patch with KEY, a secret key made by suture keygen\n"
	"  --manual SRC.c a hand-written patch source (<suture/patch.h>): its functions\n"
	"                 replace the target's of the same name\n"
	"  --force        with --manual: write the patch though functions of the\n"
	"                 impacted lists are missing (each named in a warning)\n"
	"  --json         machine-readable report (docs/build.md)\n"
	"exit: 0 written, 1 failed or refused (nothing written), 2 usage, 3 no functional change\n";

struct options {
	const char *srcdir, *build_cmd, *out, *name, *diff, *manual, *sign;
	const char **targets;
	size_t ntargets;
	bool json, force;
};

enum { OPT_BUILD = 256, OPT_TARGET, OPT_NAME, OPT_JSON, OPT_MANUAL, OPT_FORCE, OPT_SIGN };

static int check(const struct options *opt)
{
	if (!opt->out)
		return usage_error("build", "-o PATCH is needed");
	if (opt->manual && !opt->ntargets)
		return usage_error("build", "--manual needs --target FILE: the file the patch is for");
	if (!opt->manual && !opt->diff)
		return usage_error("build", "DIFF is needed (a unified diff of the fix)");
	if (opt->force && !opt->manual)
		return usage_error("build", "--force goes with --manual");
	if (opt->manual && opt->ntargets != 1)
		return usage_error("build", "--manual takes one --target FILE: the file the patch is for");
	if (opt->manual && (opt->srcdir || opt->build_cmd))
		return usage_error("build", "--manual builds no tree: -C and --build go with a DIFF");
	if (opt->name && !*opt->name)
		return usage_error("build", "--name needs a non-empty name");
	return 0;
}

static int parse(int argc, char **argv, struct options *opt)
{
	static const struct option options[] = {
		{ "build", required_argument, NULL, OPT_BUILD },
		{ "target", required_argument, NULL, OPT_TARGET },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "manual", required_argument, NULL, OPT_MANUAL },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "sign", required_argument, NULL, OPT_SIGN },
		{ NULL, 0, NULL, 0 },
	};
	memset(opt, 0, sizeof *opt);
	opt->targets = xcalloc((size_t)argc + 1, sizeof *opt->targets);
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":C:o:", options, NULL)) != -1) {
		switch (c) {
		case 'C': opt->srcdir = optarg; break;
		case 'o': opt->out = optarg; break;
		case OPT_BUILD: opt->build_cmd = optarg; break;
		case OPT_TARGET: opt->targets[opt->ntargets++] = optarg; break;
		case OPT_NAME: opt->name = optarg; break;
		case OPT_JSON: opt->json = true; break;
		case OPT_MANUAL: opt->manual = optarg; break;
		case OPT_FORCE: opt->force = true; break;
		case OPT_SIGN: opt->sign = optarg; break;
		default: return option_error("build", c, argv);
		}
	}
	if (argc - optind > (opt->manual ? 0 : 1))
		return usage_error("build", "too many arguments (%s)", argv[argc - 1]);
	if (optind < argc)
		opt->diff = argv[optind];
	return check(opt);
}

/* PATH made absolute (the build runs elsewhere); it need not exist. */
static char *absolute(const char *path)
{
	char *real = realpath(path, NULL);
	if (real)
		return real;
	if (path[0] == '/')
		return xstrdup(path);
	char cwd[PATH_MAX];
	return xasprintf("%s/%s", getcwd(cwd, sizeof cwd) ? cwd : ".", path);
}

/* The default patch name: PATCH's base name without its extension. */
static char *patch_name(const struct options *opt)
{
	return opt->name ? xstrdup(opt->name) : patch_name_from_file(opt->out, NULL);
}

static void print_progress(void *ctx, const char *line)
{
	fprintf(stderr, "\r\033[Ksuture build: %s", line);
	fflush(stderr);
}

/* Locates suture-cc: beside this program, else on PATH. */
static char *find_suture_cc(void)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (len > 0) {
		self[len] = '\0';
		char *path = xasprintf("%s/suture-cc", dirname(self));
		if (access(path, X_OK) == 0)
			return path;
		free(path);
	}
	return xstrdup("suture-cc");
}

static int run(const struct options *opt)
{
	struct build_options bo = { .build_cmd = opt->build_cmd, .ntargets = opt->ntargets };
	char *srcdir = absolute(opt->srcdir ? opt->srcdir : ".");
	char *diff = opt->diff ? absolute(opt->diff) : NULL;
	char *manual = opt->manual ? absolute(opt->manual) : NULL;
	char *out = absolute(opt->out), *name = patch_name(opt);
	char *cc = find_suture_cc();
	char *sign_key = opt->sign ? absolute(opt->sign) : NULL;
	char **targets = xcalloc(opt->ntargets + 1, sizeof *targets);
	for (size_t i = 0; i < opt->ntargets; i++)
		targets[i] = absolute(opt->targets[i]);
	bo.srcdir = srcdir;
	bo.diff = diff;
	bo.manual_source = manual;
	bo.force = opt->force;
	bo.out = out;
	bo.name = name;
	bo.suture_cc = cc;
	bo.sign_key = sign_key;
	bo.targets = (const char *const *)targets;
	bool tty = isatty(STDERR_FILENO);
	if (tty) {
		bo.progress = print_progress;
	}
	struct build_report report;
	int ret = manual ? build_manual(&bo, &report) : build_run(&bo, &report);
	if (tty)
		fprintf(stderr, "\r\033[K");
	int status = build_report_print(&report, ret, opt->json, out);
	build_report_free(&report);
	for (size_t i = 0; i < opt->ntargets; i++)
		free(targets[i]);
	free(targets);
	free(srcdir);
	free(diff);
	free(manual);
	free(out);
	free(name);
	free(cc);
	free(sign_key);
	return status;
}

int cmd_build(int argc, char **argv)
{
	struct options opt;
	int status = parse(argc, argv, &opt);
	if (status == 0 && opt.sign && trust_check_secret_key(opt.sign) < 0) {
		/* before the builds, which may take long */
		err_print("suture build: --sign");
		status = EXIT_FAILED;
	}
	if (status == 0)
		status = run(&opt);
	free(opt.targets);
	return status;
}
