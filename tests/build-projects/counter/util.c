#include "common.h"

static int limits[3] = { 1000000, 2000000, 3000000 };

int util_scale(int x)
{
	int scaled = adjust(x) * 2;
	return scaled < limits[0] ? scaled : limits[0];
}

int util_line(void)
{
	return __LINE__;
}
