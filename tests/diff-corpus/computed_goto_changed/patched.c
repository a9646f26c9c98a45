#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int run(const unsigned char *code, int n) {
	static void *ops[] = { &&op_inc, &&op_dec, &&op_end };
	int acc = 0, pc = 0;
	goto *ops[code[pc++] % 3];
op_inc: acc++; if (pc < n) goto *ops[code[pc++] % 3]; return acc;
op_dec: acc -= 3; if (pc < n) goto *ops[code[pc++] % 3]; return acc;
op_end: return acc;
}
int other(int x) { return x + 5; }
