/* libanswer.so: the library half of service.c. */
__attribute__((noinline)) int answer(int x)
{
	return x + 1;
}
