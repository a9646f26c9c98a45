/* The subcommands of `suture`: one file each (cmd_NAME.c), each a thin
 * shell that parses its options, calls the parts under src/, prints, and
 * returns an exit status from common/error.h. */
#ifndef SUTURE_CLI_COMMANDS_H
#define SUTURE_CLI_COMMANDS_H

struct command {
	const char *name;
	int (*run)(int argc, char **argv);   /* argv[0] is the command name */
	const char *summary;                 /* one line for `suture help` */
	const char *usage;                   /* printed by `suture NAME --help` */
};

int cmd_impact(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_revert(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_install(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_watch(int argc, char **argv);

extern const char usage_impact[], usage_audit[], usage_diff[], usage_build[],
	usage_info[], usage_apply[], usage_revert[], usage_status[];
extern const char usage_sign[], usage_keygen[];
extern const char usage_install[], usage_list[], usage_remove[], usage_watch[];

/* For commands: print "usage: ..." of NAME to stderr and return EXIT_USAGE. */
int usage_error(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For commands parsing with getopt_long() (opterr = 0, optstring starting
 * with ':'): the usage error for what it returned, ':' (an option without
 * its value) or '?' (an unknown option), naming the option as typed. */
int option_error(const char *name, int opt, char **argv);
/* The default name of a patch written to OUT: its base name without the
 * extension EXT (".o"), or without any extension when EXT is NULL. */
char *patch_name_from_file(const char *out, const char *ext);
/* True when argv holds -h or --help before any "--". */
int wants_help(int argc, char **argv);

#endif
