/* A test target that looks patched by another version of suture: it maps
 * a memfd named "suture-state" whose header says state version 99, the
 * way a newer suture's record would look to this one.  Prints "ready". */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	int fd = memfd_create("suture-state", 0);
	if (fd < 0 || ftruncate(fd, 1 << 20) < 0)
		return 1;
	char *state = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (state == MAP_FAILED)
		return 1;
	uint32_t version = 99;
	memcpy(state, "SUTUREST", 8);
	memcpy(state + 8, &version, sizeof version);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
