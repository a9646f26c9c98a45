/* A shared library for the suture apply tests: calc() is patched in the
 * library, its static variable scale is read by the new version. */
static int scale = 2;

int calc(int x)
{
#ifdef PATCH_CALC
	return x * scale + 5000;
#else
	return x * scale + 1;
#endif
}
