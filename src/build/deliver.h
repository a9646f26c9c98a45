/* Delivering a patch that suture build made.
 *
 * The patch is made in the work directory, signed there when --sign asks
 * for it, and only then copied to its place (renamed into place, so a
 * reader never sees half a patch): a signing that fails leaves nothing
 * written, and an unsigned patch never appears, even for a moment, where
 * a signed one was asked for. */
#ifndef SUTURE_BUILD_DELIVER_H
#define SUTURE_BUILD_DELIVER_H

/* Signs MADE with SIGN_KEY (none when NULL) and writes it to OUT_NAME in
 * the directory OUTDIR_FD (opened before the tree was overlaid: the real
 * one).  0, or -1 with err_set(). */
int deliver_patch(const char *made, const char *sign_key, int outdir_fd, const char *out_name);

#endif
