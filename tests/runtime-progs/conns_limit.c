/* A second unit of conns.c's program: a static of its own, which the
 * STATIC patch of conns.c reads with SUTURE_STATIC("conns_limit.c", limit).
 * (Written here, so the compiler keeps it as a variable.) */
static int limit = 42;

int conns_limit(int raise)
{
	limit += raise;
	return limit;
}
