/* The counter project of tests/test_build.py: a program, two units and a
 * static archive; this header is included by every unit. */
#ifndef COMMON_H
#define COMMON_H

#define OFFSET 1

struct stats {
	int calls;
};

extern struct stats stats;

static inline int adjust(int x)
{
	return x + OFFSET;
}

int calc(int x);
int util_scale(int x);
int util_line(void);

#endif
