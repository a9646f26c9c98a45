#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int flag;
extern int table[100];
static int partial(int x) { if (__builtin_expect(flag == 0, 1)) return 0; for (int i = 0; i < 100; i++) { table[i] += x * i; printf("%d\n", table[i]); if (table[i] > 1000) table[i] -= 17; printf("%d %d\n", table[i], i); } return table[x]; }
int pc1(int x) { return partial(x) + 1; }
int pc2(int x) { return partial(x) + 2; }
int pc3(int x) { return partial(x) + 3; }
int pc4(int x) { return partial(x) + 4; }
