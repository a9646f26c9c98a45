/* A test target for the refusals of the room form (tests/test_room_refusals.py),
 * built with GCC's own -fpatchable-function-entry=16,16 (16 NOPs before each
 * function, any first instruction; suture-cc never makes these shapes):
 *
 *   one():   a single 1-byte `ret`, shorter than the 2-byte jump;
 *   into():  a loop back to its second instruction, which the redirection
 *            displaces together with the first (`push %rbx` is 1 byte);
 *   called(): a `call` first, which cannot be moved to a stub;
 *   pushes(): a 1-byte push first, as GCC writes it: patchable.
 *
 * Each variant PATCH_ONE, PATCH_INTO, PATCH_CALL changes one of them.  The
 * program prints the three answers once per tick. */
#include <stdio.h>
#include <time.h>

static volatile int counter;

__attribute__((noipa)) void one(void)
{
#ifdef PATCH_ONE
	counter++;
#endif
}

/* 2 for any x >= 1: counts x down; the loop's head is the mov, right
 * after the 1-byte push */
__attribute__((naked, noipa)) int into(int x)
{
	__asm__("push %rbx\n"
		"1: mov %edi, %ebx\n"
		"sub $1, %edi\n"
		"jg 1b\n"
#ifdef PATCH_INTO
		"lea 1001(%rbx), %eax\n"
#else
		"lea 1(%rbx), %eax\n"
#endif
		"pop %rbx\n"
		"ret\n");
}

__attribute__((noipa)) int seven(void)
{
	return 7;
}

/* not refused: a 1-byte push first, displaced with the next instruction
 * (what suture audit must count as patchable) */
__attribute__((noipa)) int pushes(int x)
{
	int a = seven();
	return a * x + seven();
}

__attribute__((naked, noipa)) int called(void)
{
	__asm__("call seven\n"
#ifdef PATCH_CALL
		"add $1000, %eax\n"
#endif
		"ret\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	for (;;) {
		one();
		printf("one=%d into=%d called=%d\n", counter, into(5), called());
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}
