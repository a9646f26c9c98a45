#include "shared.h"
int unit1_total(int), unit2_walk(int), unit2_skip(int), lib_entry(int);
int main(int argc, char **argv)
{
	(void)argv;
	return clamp_add(unit1_total(argc), unit2_walk(argc) + unit2_skip(argc) + lib_entry(argc)) & 1;
}
