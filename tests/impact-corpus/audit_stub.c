/* What clones.c and unit1.c need to link into a program. */
#include <stdio.h>
void report(int x) { printf("%d\n", x); }
int cp_user1(int), unit1_total(int);
int main(int argc, char **argv)
{
	(void)argv;
	return cp_user1(argc) + unit1_total(argc) > 1000;
}
