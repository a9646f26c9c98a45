#include "ledger.h"

/* Private: only this unit sees it; a hand-written patch names it with
 * SUTURE_STATIC("ledger.c", fee_percent). */
static int fee_percent = 2;

/* Small and static: GCC inlines it into both of its callers. */
static int fee(int amount)
{
	return amount * fee_percent / 100;
}

int charge(int amount)
{
	return amount + fee(amount);
}

int refund(int amount)
{
	return amount - fee(amount);
}

void set_fee_percent(int percent)
{
	fee_percent = percent;
}
