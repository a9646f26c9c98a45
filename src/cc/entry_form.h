/* The entry padding forms suture-cc can give every function
 * (docs/entry-padding.md): the prefix room before the entry (default),
 * or the legacy 5-byte NOP at the entry. */
#ifndef SUTURE_CC_ENTRY_FORM_H
#define SUTURE_CC_ENTRY_FORM_H

#define ENTRY_FORM_DEFAULT "prefix"
#define ENTRY_FORM_NAMES "prefix, nop"
/* The user's choice for a whole build, when the option is not given; the
 * driver also hands its choice to the stage through it. */
#define ENV_ENTRY "SUTURE_CC_ENTRY"

struct entry_form {
	const char *name;        /* -fease-live-patching-entry= value */
	const char *record_name; /* the unit record's `padding` value */
	const char *gcc_option;  /* the -fpatchable-function-entry GCC gets */
	unsigned gcc_nops;       /* how many 1-byte NOPs GCC writes for it */
	int room;                /* 1: the NOPs are before the entry (a room) */
};

/* The form called NAME, or NULL. */
const struct entry_form *entry_form_find(const char *name);

/* The form the stage was told to write (ENV_ENTRY), the default without. */
const struct entry_form *entry_form_of_stage(void);

#endif
