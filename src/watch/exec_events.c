/* Exec notifications from the kernel's process connector. */
#include "watch/exec_events.h"
#include "common/error.h"

#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The subscription message: netlink header, connector header, operation. */
struct subscribe {
	struct nlmsghdr nl;
	struct __attribute__((packed)) {
		struct cn_msg cn;
		enum proc_cn_mcast_op op;
	} body;
} __attribute__((aligned(NLMSG_ALIGNTO)));

int exec_events_open(void)
{
	int fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (fd < 0)
		return err_set_errno("cannot open the kernel's process connector (netlink)");
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0 };
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		close(fd);
		return err_set_errno("cannot listen to the kernel's process events (run as root)");
	}
	/* A burst of execs must not be lost while one is being patched. */
	int size = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
	struct subscribe msg;
	memset(&msg, 0, sizeof msg);
	msg.nl.nlmsg_len = sizeof msg;
	msg.nl.nlmsg_type = NLMSG_DONE;
	msg.body.cn.id.idx = CN_IDX_PROC;
	msg.body.cn.id.val = CN_VAL_PROC;
	msg.body.cn.len = sizeof msg.body.op;
	msg.body.op = PROC_CN_MCAST_LISTEN;
	if (send(fd, &msg, sizeof msg, 0) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return err_set_errno("cannot subscribe to the kernel's exec events");
	}
	return fd;
}

int exec_events_read(int fd, struct exec_event *out, int max)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t len = recv(fd, buf, sizeof buf, 0);
	if (len < 0)
		return errno == ENOBUFS ? 0 : err_set_errno("reading exec events");
	int n = 0;
	for (struct nlmsghdr *nl = (struct nlmsghdr *)buf; NLMSG_OK(nl, (size_t)len) && n < max;
	     nl = NLMSG_NEXT(nl, len)) {
		struct cn_msg *cn = NLMSG_DATA(nl);
		if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC)
			continue;
		struct proc_event *ev = (struct proc_event *)cn->data;
		if (ev->what != PROC_EVENT_EXEC)
			continue;
		out[n++] = (struct exec_event){
			.pid = ev->event_data.exec.process_tgid,
			.when_ns = ev->timestamp_ns,
		};
	}
	return n;
}
