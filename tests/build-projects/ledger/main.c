#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ledger.h"

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1)
		set_fee_percent(atoi(argv[1]));
	for (int i = 1; i <= 3000; i++) {
		printf("charge %d refund %d\n", charge(1000), refund(1000));
		usleep(20000);
	}
	return 0;
}
