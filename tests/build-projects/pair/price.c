#include "price.h"

static int unit_price = 10;

int price(int units)
{
	return units * unit_price;
}
