/* Working on the source tree without changing it.
 *
 * overlay_enter() moves the calling process into a mount namespace of its
 * own and mounts an overlay at the source tree's own path: the tree is the
 * read-only lower layer, the work directory holds the upper one.  Inside,
 * the build writes objects and the diff is applied as usual, at the same
 * paths (so -g's directories, __FILE__ and the unit records are those of
 * the original build, and the original build-id can be reproduced); outside,
 * nothing changed.  The namespace dies with the process, so an interrupt or
 * a crash at any point leaves the tree as it was. */
#ifndef SUTURE_BUILD_OVERLAY_H
#define SUTURE_BUILD_OVERLAY_H

/* 0, or -1 with err_set() (e.g. not allowed to make a mount namespace). */
int overlay_enter(const char *srcdir, const char *workdir);

#endif
