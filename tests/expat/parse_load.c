/* A program of our own on libexpat, for the live patch of CVE-2024-45490:
 * PARSE_THREADS threads (default 4) parse a small document over and over
 * (each parse must succeed), as a server parses requests: a parse, then
 * THINK_US microseconds (default 200) waiting for the next one (under the
 * stop model a thread inside XML_ParseBuffer holds the switch back, so a
 * thread that never leaves it would hold it for ever).  Both are
 * environment variables, so that the benchmark can run 100 processes
 * without burying the machine in wake-ups.  The main thread probes the bug every PROBE_MS: it calls
 * XML_ParseBuffer with a negative length and prints the error code
 * (XML_ERROR_INVALID_ARGUMENT, 41, once the fix is in).
 *
 * Prints one line per probe: "probe CODE parses N failed M". */
#include <expat.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROBE_MS 20

static const char doc[] =
	"<?xml version='1.0'?><order id='7'><item sku='a1' qty='2'>pen</item>"
	"<item sku='b2' qty='1'>ink &amp; paper</item><note><![CDATA[fragile]]></note></order>";

static atomic_long parses, failures;
static long think_us = 200;

static void XMLCALL on_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
	(void)name;
	(void)attrs;
	++*(int *)data;
}

/* One parse of the document, fed through XML_GetBuffer/XML_ParseBuffer
 * (the function the fix changes) in two pieces. */
static int parse_once(void)
{
	XML_Parser p = XML_ParserCreate(NULL);
	if (!p)
		return 0;
	int elements = 0;
	XML_SetUserData(p, &elements);
	XML_SetStartElementHandler(p, on_start);
	size_t half = sizeof doc / 2, len = sizeof doc - 1;
	int ok = 1;
	for (size_t at = 0; ok && at < len; at += half) {
		size_t n = at + half < len ? half : len - at;
		void *buf = XML_GetBuffer(p, (int)n);
		if (!buf)
			ok = 0;
		else {
			memcpy(buf, doc + at, n);
			ok = XML_ParseBuffer(p, (int)n, at + n == len) == XML_STATUS_OK;
		}
	}
	XML_ParserFree(p);
	return ok && elements == 4;
}

static void *parser_thread(void *unused)
{
	(void)unused;
	struct timespec think = { think_us / 1000000, think_us % 1000000 * 1000 };
	for (;;) {
		nanosleep(&think, NULL);
		if (parse_once())
			atomic_fetch_add(&parses, 1);
		else
			atomic_fetch_add(&failures, 1);
	}
	return NULL;
}

/* XML_ParseBuffer(p, -1, 0) on a fresh parser with a buffer: the bug
 * (CVE-2024-45490) takes the negative length as is; the fix refuses it. */
static int probe(void)
{
	XML_Parser p = XML_ParserCreate(NULL);
	if (!p)
		return -1;
	XML_GetBuffer(p, 64);
	int code = XML_ParseBuffer(p, -1, 0) == XML_STATUS_ERROR ? (int)XML_GetErrorCode(p) : 0;
	XML_ParserFree(p);
	return code;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *env = getenv("THINK_US");
	think_us = env ? atol(env) : 200;
	env = getenv("PARSE_THREADS");
	int threads = env ? atoi(env) : 4;
	pthread_t t;
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t, NULL, parser_thread, NULL) != 0)
			return 1;
	struct timespec tick = { 0, PROBE_MS * 1000000L };
	for (;;) {
		printf("probe %d parses %ld failed %ld\n", probe(), atomic_load(&parses),
		       atomic_load(&failures));
		nanosleep(&tick, NULL);
	}
}
