/* Writing JSON text for the --json outputs of diff and info. */
#ifndef SUTURE_DIFF_JSON_H
#define SUTURE_DIFF_JSON_H

#include <stdio.h>

/* S as a JSON string, quotes included; NULL prints null. */
void json_string(FILE *out, const char *s);

#endif
