/* The overlay over the source tree: see overlay.h. */
#include "build/overlay.h"
#include "common/error.h"
#include "common/util.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* Without CAP_SYS_ADMIN, a user namespace gives it over a namespace of our
 * own (unprivileged overlay mounts need Linux 5.11). */
static int enter_user_namespace(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return -1;
	char map[64];
	FILE *f;
	if ((f = fopen("/proc/self/setgroups", "w"))) {
		fputs("deny", f);
		fclose(f);
	}
	snprintf(map, sizeof map, "%u %u 1", (unsigned)uid, (unsigned)uid);
	if (!(f = fopen("/proc/self/uid_map", "w")))
		return -1;
	fputs(map, f);
	fclose(f);
	snprintf(map, sizeof map, "%u %u 1", (unsigned)gid, (unsigned)gid);
	if (!(f = fopen("/proc/self/gid_map", "w")))
		return -1;
	fputs(map, f);
	fclose(f);
	return 0;
}

int overlay_enter(const char *srcdir, const char *workdir)
{
	char *upper = xasprintf("%s/upper", workdir), *work = xasprintf("%s/ovl-work", workdir);
	int ret = -1;
	if (mkdir(upper, 0755) < 0 || mkdir(work, 0755) < 0) {
		err_set_errno("cannot create the overlay's directories in %s", workdir);
		goto out;
	}
	if (unshare(CLONE_NEWNS) < 0 && enter_user_namespace() < 0) {
		err_set_errno("cannot make a private mount namespace to build %s in without changing it "
			      "(run as root, or allow user namespaces)", srcdir);
		goto out;
	}
	/* Our mounts must not propagate back to the real namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		err_set_errno("cannot make the mount namespace private");
		goto out;
	}
	char *data = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", srcdir, upper, work);
	if (mount("overlay", srcdir, "overlay", 0, data) < 0)
		err_set_errno("cannot mount an overlay over %s (the tree must be on a file system "
			      "overlayfs can use as a lower layer)", srcdir);
	else
		ret = 0;
	free(data);
out:
	free(upper);
	free(work);
	return ret;
}
