/* Partial inlining: the cheap test of lookup is inlined into its callers,
 * the expensive rest becomes lookup.part.0, which they call. */
extern volatile int sink;
extern int table[4096];

static int lookup(int key)
{
	if (key < 16)
		return key;
	int sum = 0;
	for (int i = 0; i < 4096; i++) {
		sum += table[i] * key;
		if (table[i] == key)
			sink = i;
		sum ^= table[(i * 7) & 4095];
	}
	for (int i = 0; i < 4096; i += 3)
		sum += table[i] >> (key & 7);
	for (int i = 0; i < 4096; i += 5)
		sink = sum + table[i];
	return sum;
}

int part_user1(int key) { return lookup(key) + 1; }
int part_user2(int key) { return lookup(key * 2) + 1; }
int part_user3(int key) { return lookup(key + 3) - 1; }
int part_user4(int key) { return lookup(key - 5) * 2; }
