/* Writing JSON text for the --json outputs (diff, info, impact, audit, status). */
#ifndef SUTURE_COMMON_JSON_H
#define SUTURE_COMMON_JSON_H

#include <stdio.h>

/* S as a JSON string, quotes included; NULL prints null. */
void json_string(FILE *out, const char *s);

#endif
