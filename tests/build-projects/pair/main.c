#include <stdio.h>
#include <unistd.h>

#include "price.h"

/* One line of output; not inlined into the loop, which never returns. */
__attribute__((noinline)) void report(int units)
{
	printf("total %d\n", price(units));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < 3000; i++) {
		report(3);
		usleep(20000);
	}
	return 0;
}
