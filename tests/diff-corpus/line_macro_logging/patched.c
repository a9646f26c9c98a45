#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG(msg) fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, msg)

/* moved down */
int open_it(int fd) {
	if (fd < 0) LOG("bad fd");
	return fd + 1;
}
