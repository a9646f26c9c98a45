#ifndef GREET_H
#define GREET_H
int greet_weight(int x);
#endif
