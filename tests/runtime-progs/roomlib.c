/* A shared library built with suture-cc (the prefix room) whose function
 * the program calls through its PLT (tests/test_room_library.py):
 * lib_add(x) is x + V, V being 1 as built, 1000 with PATCH_V2, 2000 with
 * PATCH_V3. */
#define VERSIONS_V_ONLY
#include "versions.h"

static volatile int zero;   /* a RIP-relative load in the library's code */

int lib_add(int x)
{
	return x + zero + V;
}
