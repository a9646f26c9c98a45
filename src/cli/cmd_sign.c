/* suture sign and suture keygen: patch signatures.  See man/suture-sign.1. */
#include "cli/commands.h"
#include "common/error.h"
#include "trust/keys.h"
#include "trust/sign.h"

#include <stdio.h>

const char usage_sign[] =
	"usage: suture sign KEY PATCH...\n"
	"  KEY    a secret key made by suture keygen (NAME.key)\n"
	"  PATCH  signed in place; a signature it had is replaced\n";

const char usage_keygen[] =
	"usage: suture keygen NAME\n"
	"  makes NAME.key (the secret key, mode 0600) and NAME.pub (copy it to\n"
	"  /etc/suture/keys/ on the machines that apply with --require-signature)\n";

int cmd_sign(int argc, char **argv)
{
	if (argc > 1 && argv[1][0] == '-')
		return usage_error("sign", "unknown option '%s'", argv[1]);
	if (argc < 3)
		return usage_error("sign", "give a KEY and at least one PATCH");
	for (int i = 2; i < argc; i++) {
		if (sign_patch_file(argv[i], argv[1]) < 0) {
			err_print("suture sign");
			return EXIT_FAILED;
		}
		printf("signed %s\n", argv[i]);
	}
	return EXIT_DONE;
}

int cmd_keygen(int argc, char **argv)
{
	if (argc > 1 && argv[1][0] == '-')
		return usage_error("keygen", "unknown option '%s'", argv[1]);
	if (argc != 2)
		return usage_error("keygen", "give the NAME of the key pair to make");
	char id[2 * SUTURE_KEY_ID_BYTES + 1];
	if (trust_keygen(argv[1], id) < 0) {
		err_print("suture keygen");
		return EXIT_FAILED;
	}
	printf("made %s.key (secret: keep it private) and %s.pub (key id %s)\n", argv[1], argv[1], id);
	return EXIT_DONE;
}
