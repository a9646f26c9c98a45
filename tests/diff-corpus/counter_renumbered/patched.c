/* Helpers named with __COUNTER__: a use of the counter above them (here
 * an enum constant) renumbers every one; nothing changed. */
#define PASTE2(a, b) a##b
#define PASTE(a, b) PASTE2(a, b)
#define SCALER(n) \
	__attribute__((noinline)) static int PASTE(scale_, __COUNTER__)(int x) { return x * n + 1; }

enum { PASTE(unused_, __COUNTER__) = 1 };
SCALER(3)
SCALER(5)
SCALER(7)

int scale_all(int x)
{
	return scale_1(x) + scale_2(x) * scale_3(x);
}
