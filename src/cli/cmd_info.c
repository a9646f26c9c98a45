/* suture info: what a patch holds.  See man/suture-info.1. */
#include "cli/commands.h"
#include "common/error.h"
#include "common/json.h"
#include "patchfile/patchread.h"
#include "trust/keys.h"
#include "trust/sign.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

const char usage_info[] =
	"usage: suture info [--json] [--keys DIR] PATCH\n"
	"  --keys DIR  the trusted public keys its signature is checked with\n"
	"              (default $SUTURE_KEYS_DIR, else /etc/suture/keys)\n";

static const char *object_name(const struct patch_file *pf, uint32_t object)
{
	if (object == SUTURE_OBJECT_GLOBAL)
		return NULL;
	return patch_string(pf, pf->objects[object].name);
}

/* Functions defined in the patch that replace nothing, and are no other
 * name (alias) of one that does: new ones. */
static bool is_new_function(const struct patch_file *pf, size_t index)
{
	GElf_Sym sym, replacing;
	if (!patch_symbol(pf, (uint32_t)index, &sym) || sym.st_shndx == SHN_UNDEF ||
	    GELF_ST_TYPE(sym.st_info) != STT_FUNC)
		return false;
	for (uint32_t i = 0; i < pf->header->n_funcs; i++)
		if (pf->funcs[i].new_symbol == index ||
		    (patch_symbol(pf, pf->funcs[i].new_symbol, &replacing) &&
		     replacing.st_shndx == sym.st_shndx && replacing.st_value == sym.st_value))
			return false;
	return true;
}

/* "signature: none", or the key id and whether a trusted key verifies it. */
static void print_signature_text(const struct signature_status *sig)
{
	if (sig->state == SIGNATURE_NONE)
		printf("signature: none\n");
	else if (sig->state == SIGNATURE_UNKNOWN_KEY)
		printf("signature: key %s, not among the trusted keys\n", sig->key_id);
	else
		printf("signature: key %s, %s (%s)\n", sig->key_id,
		       sig->state == SIGNATURE_GOOD ? "good" : "BAD: changed after signing",
		       sig->key_file);
}

static void print_text(const struct patch_file *pf, const struct signature_status *sig)
{
	const struct suture_patch_header *h = pf->header;
	printf("patch %s (format %u)\n", patch_string(pf, h->name), h->version);
	print_signature_text(sig);
	printf("target objects:\n");
	for (uint32_t i = 0; i < h->n_objects; i++) {
		char hex[2 * SUTURE_BUILD_ID_MAX + 1];
		build_id_to_hex(pf->objects[i].build_id, pf->objects[i].build_id_len, hex);
		printf("  %s  %s\n", *patch_string(pf, pf->objects[i].name) ?
		       patch_string(pf, pf->objects[i].name) : "(this unit's object)",
		       *hex ? hex : "(no build-id: bound by the old functions' bytes)");
	}
	printf("functions replaced:\n");
	for (uint32_t i = 0; i < h->n_funcs; i++) {
		const struct suture_patch_func *f = &pf->funcs[i];
		printf("  %s", patch_string(pf, f->old_name));
		if (f->old_file)
			printf(" (static, %s)", patch_string(pf, f->old_file));
		printf(" -> %s, %llu old bytes%s%s%s\n", patch_symbol_name(pf, f->new_symbol),
		       (unsigned long long)f->old_size,
		       f->flags & SUTURE_FUNC_PART ? ", part of another function" : "",
		       f->flags & SUTURE_FUNC_OLD_ROOM ? ", old entry: prefix room" : "",
		       f->flags & SUTURE_FUNC_NEW_ROOM ? ", new entry: prefix room" : "");
	}
	size_t n_new = 0;
	for (size_t i = 1; i < pf->ef->nsyms; i++)
		n_new += is_new_function(pf, i);
	printf("new functions:%s\n", n_new ? "" : " none");
	for (size_t i = 1; i < pf->ef->nsyms; i++)
		if (is_new_function(pf, i))
			printf("  %s\n", patch_symbol_name(pf, (uint32_t)i));
	printf("symbols resolved in the target:\n");
	for (uint32_t i = 0; i < h->n_symbols; i++) {
		const struct suture_patch_symbol *s = &pf->symbols[i];
		printf("  %s", patch_string(pf, s->name));
		if (s->file)
			printf(" (static, %s)", patch_string(pf, s->file));
		const char *obj = object_name(pf, s->object);
		printf(" in %s\n", obj ? (*obj ? obj : "the target object") : "the global scope");
	}
	printf("callbacks:%s\n", h->n_callbacks ? "" : " none");
	for (uint32_t i = 0; i < h->n_callbacks; i++)
		printf("  %s %s\n", patch_callback_kind_name(pf->callbacks[i].kind),
		       patch_symbol_name(pf, pf->callbacks[i].symbol));
}

static void print_json(const struct patch_file *pf, const struct signature_status *sig)
{
	const struct suture_patch_header *h = pf->header;
	json_begin(stdout, 1);
	printf(", \"name\": ");
	json_string(stdout, patch_string(pf, h->name));
	printf(", \"format\": %u, \"objects\": [", h->version);
	for (uint32_t i = 0; i < h->n_objects; i++) {
		char hex[2 * SUTURE_BUILD_ID_MAX + 1];
		build_id_to_hex(pf->objects[i].build_id, pf->objects[i].build_id_len, hex);
		printf("%s{\"name\": ", i ? ", " : "");
		json_string(stdout, patch_string(pf, pf->objects[i].name));
		printf(", \"build_id\": ");
		json_string(stdout, *hex ? hex : NULL);
		printf("}");
	}
	printf("], \"functions\": [");
	for (uint32_t i = 0; i < h->n_funcs; i++) {
		const struct suture_patch_func *f = &pf->funcs[i];
		printf("%s{\"name\": ", i ? ", " : "");
		json_string(stdout, patch_string(pf, f->old_name));
		printf(", \"file\": ");
		json_string(stdout, f->old_file ? patch_string(pf, f->old_file) : NULL);
		printf(", \"object\": %u, \"new_symbol\": ", f->object);
		json_string(stdout, patch_symbol_name(pf, f->new_symbol));
		printf(", \"old_size\": %llu, \"part\": %s, \"old_room\": %s, \"new_room\": %s}",
		       (unsigned long long)f->old_size, f->flags & SUTURE_FUNC_PART ? "true" : "false",
		       f->flags & SUTURE_FUNC_OLD_ROOM ? "true" : "false",
		       f->flags & SUTURE_FUNC_NEW_ROOM ? "true" : "false");
	}
	printf("], \"new_functions\": [");
	bool first = true;
	for (size_t i = 1; i < pf->ef->nsyms; i++)
		if (is_new_function(pf, i)) {
			printf("%s", first ? "" : ", ");
			json_string(stdout, patch_symbol_name(pf, (uint32_t)i));
			first = false;
		}
	printf("], \"symbols\": [");
	for (uint32_t i = 0; i < h->n_symbols; i++) {
		const struct suture_patch_symbol *s = &pf->symbols[i];
		printf("%s{\"name\": ", i ? ", " : "");
		json_string(stdout, patch_string(pf, s->name));
		printf(", \"file\": ");
		json_string(stdout, s->file ? patch_string(pf, s->file) : NULL);
		if (s->object == SUTURE_OBJECT_GLOBAL)
			printf(", \"object\": null}");
		else
			printf(", \"object\": %u}", s->object);
	}
	printf("], \"callbacks\": [");
	for (uint32_t i = 0; i < h->n_callbacks; i++) {
		printf("%s{\"kind\": \"%s\", \"function\": ", i ? ", " : "",
		       patch_callback_kind_name(pf->callbacks[i].kind));
		json_string(stdout, patch_symbol_name(pf, pf->callbacks[i].symbol));
		printf("}");
	}
	printf("], \"signature\": {\"state\": \"%s\", \"key_id\": ",
	       signature_state_name(sig->state));
	json_string(stdout, *sig->key_id ? sig->key_id : NULL);
	printf(", \"key_file\": ");
	json_string(stdout, sig->key_file);
	printf("}}\n");
}

int cmd_info(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "keys", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	const char *keys_dir = NULL;
	int opt;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'k':
			keys_dir = optarg;
			break;
		default:
			return option_error("info", opt, argv);
		}
	}
	if (optind == argc)
		return usage_error("info", "PATCH is missing");
	if (argc - optind > 1)
		return usage_error("info", "one PATCH only (got %s and %s)",
				   argv[optind], argv[optind + 1]);
	const char *path = argv[optind];
	struct patch_file *pf = patch_file_open(path);
	struct signature_status sig = { 0 };
	if (!pf || signature_check(pf->bytes, pf->image_len, &pf->trailer,
				   trust_keys_dir(keys_dir), &sig) < 0) {
		err_print("suture info");
		patch_file_close(pf);
		return EXIT_FAILED;
	}
	if (json)
		print_json(pf, &sig);
	else
		print_text(pf, &sig);
	signature_status_free(&sig);
	patch_file_close(pf);
	return EXIT_DONE;
}
