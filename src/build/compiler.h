/* Making every compile of the project's build go through suture-cc.
 *
 * Build systems find their compiler in many ways: make's default `cc`,
 * a Makefile's `CC = gcc`, autotools' and CMake's probes (`cc`, `gcc`,
 * `x86_64-linux-gnu-gcc`, the CC variable), a script calling `gcc-12`,
 * a Makefile saying `CC = suture-cc`.
 * compiler_setup() makes a directory of wrappers with all those names,
 * puts it first on PATH and sets CC to it; each wrapper runs suture-cc,
 * adding the targets' level when the command line has none (as
 * CC='suture-cc -fease-live-patching=LEVEL' would).  SUTURE_CC_GCC points
 * suture-cc at the real gcc, which the wrappers hide on PATH.  A build
 * that names suture-cc by its path is left as it is. */
#ifndef SUTURE_BUILD_COMPILER_H
#define SUTURE_BUILD_COMPILER_H

/* 0, or -1 with err_set(). */
int compiler_setup(const char *workdir, const char *suture_cc, const char *level);

#endif
