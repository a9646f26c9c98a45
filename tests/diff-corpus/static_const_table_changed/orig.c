#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int primes[] = { 2, 3, 5, 7, 11, 13, 17, 19 };
int prime(int i) { return primes[i & 7]; }
int sum(void) { int s = 0; for (int i = 0; i < 8; i++) s += primes[i]; return s; }
int other(int i) { return i + 1; }
