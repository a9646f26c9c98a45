#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((section(".text.handlers"), noinline)) int on_open(int fd) { return fd + 2; }
__attribute__((section(".text.handlers"), noinline)) int on_close(int fd) { return fd - 1; }
int dispatch(int op, int fd) { return op ? on_open(fd) : on_close(fd); }
