/* kvd's line protocol: one request line in, one reply line out.
 *
 *   SET key value   -> OK
 *   GET key         -> the value, or ERR no such key
 *   INCR key [n]    -> the new number
 *   DEL key         -> OK, or ERR no such key
 *   SLOT i          -> "key=value" of slot i (0..15), or ERR ...
 *   COUNT           -> how many keys
 *   QUIT            -> BYE, and the connection closes */
#ifndef KVD_PROTOCOL_H
#define KVD_PROTOCOL_H

#include "store.h"

#include <stdbool.h>
#include <stddef.h>

/* Answers LINE (modified) into REPLY; returns false when the client quits. */
bool handle_request(struct store *s, char *line, char *reply, size_t size);

#endif
