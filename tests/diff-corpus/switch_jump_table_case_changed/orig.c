#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int classify(int c) {
	switch (c) {
	case 0: return puts("zero");
	case 1: return printf("one %d\n", c);
	case 2: return putchar('2');
	case 3: return puts("three");
	case 4: return printf("four %d\n", c * 4);
	case 5: return fputs("five", stderr);
	case 7: return puts("seven");
	default: return -1;
	}
}
int other(int c) { return c * 3; }
