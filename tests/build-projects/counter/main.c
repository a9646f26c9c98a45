#include <stdio.h>
#include <unistd.h>

#include "common.h"

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < 3000; i++) {
		printf("value %d line %d calls %d\n", calc(i), util_line(), stats.calls);
		usleep(20000);
	}
	return 0;
}
