#include <stdio.h>
#include <unistd.h>

#include "greet.h"

static __attribute__((noinline)) const char *app_word(void)
{
	return "hello";
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < 3000; i++) {
		printf("%s %d\n", app_word(), greet_weight(i));
		usleep(20000);
	}
	return 0;
}
