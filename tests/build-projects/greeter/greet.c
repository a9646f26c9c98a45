#include "greet.h"

int greet_weight(int x)
{
	return x + 1;
}
