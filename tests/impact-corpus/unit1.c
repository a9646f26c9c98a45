#include "shared.h"
volatile int sink;
int unit1_total(int a) { return clamp_add(a, 1) * 2; }
