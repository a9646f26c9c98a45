/* Prints calc(i) (from libcalc.so) once per tick. */
#include <stdio.h>
#include <time.h>

int calc(int x);

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	for (int i = 0;; i++) {
		printf("%d\n", calc(i));
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}
