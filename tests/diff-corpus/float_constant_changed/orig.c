#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double area(double r) { return 3.14159 * r * r; }
double half(double x) { return x * 0.5; }
