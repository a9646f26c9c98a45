/* The versions the room tests' programs tell apart (rooms.c, roomlib.c,
 * roomlibuse.c): V is 1 as built, 1000 with PATCH_V2, 2000 with PATCH_V3;
 * version(r, x) says which version's x + V gave R, and counts in bad an
 * answer no version gives (0).  A file that only needs V defines
 * VERSIONS_V_ONLY first.  The tests compile with -I this directory. */
#ifndef ROOM_TESTS_VERSIONS_H
#define ROOM_TESTS_VERSIONS_H

#if defined(PATCH_V2)
#define V 1000
#elif defined(PATCH_V3)
#define V 2000
#else
#define V 1
#endif

#ifndef VERSIONS_V_ONLY
static volatile long bad;

static int version(int r, int x)
{
	for (int v = 1; v <= 2000; v = v == 1 ? 1000 : v + 1000)
		if (r == x + v)
			return v;
	__atomic_add_fetch(&bad, 1, __ATOMIC_RELAXED);
	return 0;
}
#endif

#endif
