/* `suture`: git-style dispatch to one subcommand. */
#include "cli/commands.h"
#include "common/error.h"
#include "common/util.h"

#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct command commands[] = {
	{ "impact", cmd_impact, "impacted lists: what must be patched together", usage_impact },
	{ "audit",  cmd_audit,  "can this binary or process be live patched, and how safely", usage_audit },
	{ "diff",   cmd_diff,   "what changed between two builds of an object", usage_diff },
	{ "build",  cmd_build,  "make a patch from a source diff or a hand-written source", usage_build },
	{ "info",   cmd_info,   "what a patch holds", usage_info },
	{ "apply",  cmd_apply,  "apply a patch to running processes", usage_apply },
	{ "revert", cmd_revert, "revert an applied patch", usage_revert },
	{ "status", cmd_status, "which patches a process runs", usage_status },
	{ "install", cmd_install, "keep a patch in the patch store and apply it", usage_install },
	{ "list",   cmd_list,   "the installed patches and the processes that run them", usage_list },
	{ "remove", cmd_remove, "revert an installed patch everywhere and forget it", usage_remove },
	{ "watch",  cmd_watch,  "apply installed patches to processes as they start", usage_watch },
	{ "sign",   cmd_sign,   "sign patches with a secret key", usage_sign },
	{ "keygen", cmd_keygen, "make a key pair for signing patches", usage_keygen },
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_help(FILE *out)
{
	fprintf(out, "usage: suture COMMAND [OPTIONS] [ARGS]\n\n"
		     "Live patching for running C programs (Linux x86-64).\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'suture help COMMAND' or 'suture COMMAND --help' shows a command's options;\n"
		     "'man suture-COMMAND' has the whole story.  Compile with 'suture-cc' (see 'man suture-cc').\n");
}

char *patch_name_from_file(const char *out, const char *ext)
{
	char *copy = xstrdup(out);
	char *name = xstrdup(basename(copy));
	free(copy);
	char *cut = ext ? (str_ends_with(name, ext) ? name + strlen(name) - strlen(ext) : NULL)
			: strrchr(name, '.');
	if (cut && cut != name)
		*cut = '\0';
	return name;
}

int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

int usage_error(const char *name, const char *fmt, ...)
{
	char prog[64];
	snprintf(prog, sizeof prog, "suture %s", name);
	va_list ap;
	va_start(ap, fmt);
	err_vreport(prog, fmt, ap);
	va_end(ap);
	const struct command *cmd = find_command(name);
	if (cmd)
		fputs(cmd->usage, stderr);
	return EXIT_USAGE;
}

int option_error(const char *name, int opt, char **argv)
{
	const char *typed = argv[optind - 1];
	if (opt == ':')
		return usage_error(name, "%s needs a value", typed);
	return usage_error(name, "unknown option '%s'", typed);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("suture %s\n", SUTURE_VERSION);
		return EXIT_DONE;
	}
	if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		if (argc > 2 && find_command(argv[2])) {
			fputs(find_command(argv[2])->usage, stdout);
			return EXIT_DONE;
		}
		print_help(stdout);
		return argc > 2 ? EXIT_USAGE : EXIT_DONE;
	}
	const struct command *cmd = find_command(name);
	if (!cmd) {
		err_report("suture", "'%s' is not a suture command; see 'suture help'", name);
		return EXIT_USAGE;
	}
	if (wants_help(argc - 1, argv + 1)) {
		fputs(cmd->usage, stdout);
		return EXIT_DONE;
	}
	return cmd->run(argc - 1, argv + 1);
}
