/* The wrapper stage: gcc runs every subprocess (cc1, as, collect2) as
 * `suture-cc --suture-stage PROGRAM ARGS...` (gcc's -wrapper option).  The
 * stage passes them through, except cc1 writing assembly: it runs cc1,
 * then rewrites the entry padding and appends the unit record.
 *
 * The driver tells the stage what it knows through the environment. */
#ifndef SUTURE_CC_STAGE_H
#define SUTURE_CC_STAGE_H

#define STAGE_OPTION "--suture-stage"

#define ENV_LEVEL "SUTURE_CC_LEVEL"         /* level name */
#define ENV_GCC_VERSION "SUTURE_CC_GCC_VERSION"
#define ENV_ARGS "SUTURE_CC_ARGS"           /* user args, one per line */
#define ENV_ADDED "SUTURE_CC_ADDED"         /* added options, one per line */
#define ENV_MODE "SUTURE_CC_MODE"           /* link, compile, assembly */
#define ENV_OUTPUT "SUTURE_CC_OUTPUT"       /* the user's -o, unset without */
#define ENV_SOURCES "SUTURE_CC_SOURCES"     /* source files as given, one per line */

/* A value longer than this goes into a file, named by NAME + "_FILE". */
#define ENV_VALUE_MAX (64 * 1024)
#define ENV_FILE_SUFFIX "_FILE"

/* argv[0] is the program gcc wanted to run.  Returns its exit status. */
int stage_main(int argc, char **argv);

#endif
