/* The private work directory of one suture build run: the overlay's upper
 * layer, the compiler wrappers, the objects to compare, the build log. */
#ifndef SUTURE_BUILD_WORKDIR_H
#define SUTURE_BUILD_WORKDIR_H

/* A new directory under $TMPDIR (or /var/tmp: the overlay's upper layer
 * can be as big as a build, so not a tmpfs when avoidable).  NULL with
 * err_set() on failure. */
char *workdir_create(void);
/* Removes it and everything in it. */
void workdir_remove(const char *dir);

#endif
