/* The patch store: verified patches kept on disk (`suture install`), so
 * that `suture watch` can apply them to every process that starts running
 * their target build, and `suture list` / `remove` can find them again.
 *
 * Layout: one directory per patch, STORE/NAME/, where STORE is
 * $SUTURE_STORE or /var/lib/suture and NAME the patch's own name (the one
 * `suture status` and `revert` use); in it `patch`, the patch file, and
 * `target`, the path of the target file given to install (watch marks it
 * to see a library being mapped).  Every stored patch names the exact
 * build (GNU build-id) of each of its target objects: a patch without one
 * is bound to a build at install time (--target FILE).  The file is owned
 * by root (the installing user), mode 0600: only what install verified is
 * ever applied from here. */
#ifndef SUTURE_STORE_STORE_H
#define SUTURE_STORE_STORE_H

#include "patchfile/patchread.h"

#include <stdbool.h>
#include <stddef.h>

/* The store's directory ($SUTURE_STORE, else /var/lib/suture). */
const char *store_dir(void);
/* STORE/NAME, STORE/NAME/patch and STORE/NAME/target, allocated. */
char *store_entry_path(const char *name);
char *store_patch_path(const char *name);
char *store_target_path(const char *name);
/* A patch name is a file name in the store: letters, digits, '.', '_',
 * '+', '-', not starting with '.'.  0, or -1 with err_set(). */
int store_check_name(const char *name);

/* Verifies PATCH (store_verify) and keeps it in the store under its own
 * name; TARGET (or NULL) binds a patch that names no build to the build of
 * that file.  Refuses a name already installed.  *NAME_OUT gets the name
 * (allocated).  0, or -1 with err_set(); the store is unchanged then. */
int store_add(const char *patch_path, const char *target, char **name_out);
/* Hides NAME from watch while remove reverts it (STORE/.NAME.removing/);
 * store_unhide() puts it back.  0, or -1 with err_set(). */
int store_hide(const char *name);
int store_unhide(const char *name);
/* STORE/.NAME.removing/patch, allocated. */
char *store_hidden_path(const char *name);
/* Forgets NAME, hidden before.  0, or -1 with err_set(). */
int store_delete(const char *name);
/* Removes an entry's directory DIR and what install puts in it. */
int store_remove_dir(const char *dir);

/* An installed patch, opened. */
struct store_entry {
	char *name;
	char *path;
	char *target;           /* the target file given to install, or NULL */
	struct patch_file *pf;
};
/* Every installed patch, by name; an entry that no longer opens is
 * skipped with a warning in *WARN (allocated text, or NULL).  0 or -1. */
int store_load(struct store_entry **out, size_t *n, char **warn);
void store_entries_free(struct store_entry *v, size_t n);

#endif
