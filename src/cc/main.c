/* suture-cc: a drop-in gcc (see man/suture-cc.1).  Placeholder: runs gcc. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	(void)argc;
	argv[0] = "gcc";
	execvp("gcc", argv);
	perror("suture-cc: cannot run gcc");
	return 1;
}
