/* The kernel's __UNIQUE_ID: module information strings in a section of
 * their own, named from __COUNTER__.  One more use of the counter before
 * them renumbers them all; nothing changed. */
#define PASTE2(a, b) a##b
#define PASTE(a, b) PASTE2(a, b)
#define UNIQUE_ID(prefix) PASTE(PASTE(__UNIQUE_ID_, prefix), __COUNTER__)
#define MODINFO(tag, info) \
	static const char UNIQUE_ID(tag)[] __attribute__((used, section(".modinfo"), aligned(1))) = #tag "=" info

MODINFO(license, "GPL");
MODINFO(author, "someone");
MODINFO(description, "a module");

int probe(int x)
{
	return x + 2;
}
