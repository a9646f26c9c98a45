/* Included (-include) into every unit the recompilation oracle builds.
 * oracle.py puts SUTURE_ORACLE_HOOK(N) at the start of the body of each
 * function, N its number.  Every function stores its number to a volatile
 * int; the function under test (N == SUTURE_ORACLE_TARGET) stores another
 * value instead.  The store has the same size either way, so GCC's
 * inlining and cloning decisions stay the same and only the code that
 * holds the function under test's body can change. */
extern volatile int suture_oracle_sink;
#define SUTURE_ORACLE_HOOK(n) \
	(suture_oracle_sink = (n) == SUTURE_ORACLE_TARGET ? (n) + 1000000 : (n))
