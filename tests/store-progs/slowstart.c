/* libslowstart.so: a library whose constructor takes a second, like a
 * service's heavy start-up before main(); the dynamic loader runs it
 * before the program's entry point. */
#include <unistd.h>

__attribute__((constructor)) static void slow_start(void)
{
	usleep(1000000);
}
