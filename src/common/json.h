/* Writing JSON text for the --json outputs (every command's --json, schemas/COMMAND.json). */
#ifndef SUTURE_COMMON_JSON_H
#define SUTURE_COMMON_JSON_H

#include <stdio.h>

/* S as a JSON string, quotes included; NULL prints null. */
void json_string(FILE *out, const char *s);
/* Opens a command's --json document: '{"schema_version": VERSION', the
 * version of its schema under schemas/ (docs/json.md); the caller goes on
 * with ', "key": ...' and closes the object. */
void json_begin(FILE *out, int version);

#endif
