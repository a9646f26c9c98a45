/* <suture/shadow.h>: shadow variables, the kernel's klp_shadow in user
 * space.  A patch attaches new data ("a shadow", identified by the pair
 * OBJ, ID) to an object of the program that has no room for it; any later
 * patch of the same process (stacked or --replace) finds it again.
 *
 *     struct conn_extra { int retries; };
 *     struct conn_extra *x = suture_shadow_get_or_alloc(conn, CONN_EXTRA,
 *                                                       sizeof *x, NULL, NULL);
 *     ...
 *     suture_shadow_free(conn, CONN_EXTRA, NULL);    (where conn is freed)
 *
 * How it works (docs/runtime.md, "Shadow variables"): the functions below
 * are compiled into the patch itself (static inline, no library to link),
 * and every patch of a process shares one table, whose root lives in
 * suture's state mapping in the process: the symbol __suture_shadow_root,
 * which suture's loader resolves for each patch.  Shadow data comes from
 * the program's own malloc.  Every function is safe from any thread (one
 * lock, a futex); none is async-signal-safe (malloc is not).  Constructors
 * and destructors run with that lock held: they may call malloc, but not
 * the shadow functions.  The layout of the table is part of suture's ABI
 * (SUTURE_SHADOW_LAYOUT): patches built against another layout find no
 * shadows (NULL) rather than corrupting them. */
#ifndef SUTURE_SHADOW_H
#define SUTURE_SHADOW_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Fills a new shadow's DATA (zeroed) before anyone can see it; non-zero
 * refuses the allocation (the allocating function returns NULL). */
typedef int (*suture_shadow_ctor_t)(void *obj, void *shadow_data, void *ctor_data);
/* Releases what DATA holds, just before the shadow is freed. */
typedef void (*suture_shadow_dtor_t)(void *obj, void *shadow_data);

#define SUTURE_SHADOW_LAYOUT  1
#define SUTURE_SHADOW_BUCKETS 256

struct suture_shadow_node {
	struct suture_shadow_node *next;
	void *obj;
	unsigned long id;
	size_t size;
	_Alignas(16) unsigned char data[];
};

/* At __suture_shadow_root: zero-filled until the first use. */
struct suture_shadow_root {
	int lock;                       /* 0 free, 1 held, 2 held with waiters */
	unsigned int layout;            /* SUTURE_SHADOW_LAYOUT once used */
	struct suture_shadow_node *bucket[SUTURE_SHADOW_BUCKETS];
};

/* The root's address through a GOT entry (GOTPCREL): the state mapping
 * may lie anywhere, beyond the reach of a 32-bit PC-relative reference. */
static inline struct suture_shadow_root *suture__shadow_root(void)
{
	struct suture_shadow_root *root;
	__asm__("movq __suture_shadow_root@GOTPCREL(%%rip), %0" : "=r"(root));
	return root;
}

static inline long suture__futex(int *addr, long op, long val)
{
	long ret;
	register long timeout __asm__("r10") = 0;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(202L /* SYS_futex */), "D"(addr), "S"(op), "d"(val), "r"(timeout)
			 : "rcx", "r11", "memory");
	return ret;
}

/* Locks the table; 0 if its layout is not ours (then it is not locked). */
static inline int suture__shadow_lock(struct suture_shadow_root *root)
{
	int seen = 0;
	if (!__atomic_compare_exchange_n(&root->lock, &seen, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		if (seen != 2)
			seen = __atomic_exchange_n(&root->lock, 2, __ATOMIC_ACQUIRE);
		while (seen != 0) {
			suture__futex(&root->lock, 128 /* FUTEX_WAIT_PRIVATE */, 2);
			seen = __atomic_exchange_n(&root->lock, 2, __ATOMIC_ACQUIRE);
		}
	}
	if (root->layout == 0)
		root->layout = SUTURE_SHADOW_LAYOUT;
	if (root->layout == SUTURE_SHADOW_LAYOUT)
		return 1;
	if (__atomic_exchange_n(&root->lock, 0, __ATOMIC_RELEASE) == 2)
		suture__futex(&root->lock, 129 /* FUTEX_WAKE_PRIVATE */, 1);
	return 0;
}

static inline void suture__shadow_unlock(struct suture_shadow_root *root)
{
	if (__atomic_exchange_n(&root->lock, 0, __ATOMIC_RELEASE) == 2)
		suture__futex(&root->lock, 129 /* FUTEX_WAKE_PRIVATE */, 1);
}

static inline struct suture_shadow_node **suture__shadow_bucket(struct suture_shadow_root *root,
								 void *obj, unsigned long id)
{
	uint64_t h = ((uint64_t)(uintptr_t)obj ^ ((uint64_t)id << 3)) * 0x9e3779b97f4a7c15ull;
	return &root->bucket[h >> 56];
}

/* The link that points at the shadow (OBJ, ID), or at the NULL ending its bucket. */
static inline struct suture_shadow_node **suture__shadow_find(struct suture_shadow_root *root,
							       void *obj, unsigned long id)
{
	struct suture_shadow_node **link = suture__shadow_bucket(root, obj, id);
	while (*link && ((*link)->obj != obj || (*link)->id != id))
		link = &(*link)->next;
	return link;
}

/* The data of the shadow (OBJ, ID), or NULL if there is none. */
static inline void *suture_shadow_get(void *obj, unsigned long id)
{
	struct suture_shadow_root *root = suture__shadow_root();
	if (!suture__shadow_lock(root))
		return NULL;
	struct suture_shadow_node *node = *suture__shadow_find(root, obj, id);
	suture__shadow_unlock(root);
	return node ? node->data : NULL;
}

static inline void *suture__shadow_get_or_alloc(void *obj, unsigned long id, size_t size,
						suture_shadow_ctor_t ctor, void *ctor_data,
						int existing_ok)
{
	struct suture_shadow_root *root = suture__shadow_root();
	if (!suture__shadow_lock(root))
		return NULL;
	struct suture_shadow_node **link = suture__shadow_find(root, obj, id);
	void *data = NULL;
	if (*link) {
		data = existing_ok ? (*link)->data : NULL;
	} else {
		struct suture_shadow_node *node = malloc(sizeof *node + size);
		if (node) {
			memset(node, 0, sizeof *node + size);
			node->obj = obj;
			node->id = id;
			node->size = size;
			if (ctor && ctor(obj, node->data, ctor_data) != 0) {
				free(node);
			} else {
				*link = node;
				data = node->data;
			}
		}
	}
	suture__shadow_unlock(root);
	return data;
}

/* A new shadow of SIZE bytes (zeroed, then CTOR if not NULL) for (OBJ, ID);
 * NULL if one exists already, memory ran out or CTOR refused. */
static inline void *suture_shadow_alloc(void *obj, unsigned long id, size_t size,
					suture_shadow_ctor_t ctor, void *ctor_data)
{
	return suture__shadow_get_or_alloc(obj, id, size, ctor, ctor_data, 0);
}

/* The shadow (OBJ, ID), made as suture_shadow_alloc() does if there is none. */
static inline void *suture_shadow_get_or_alloc(void *obj, unsigned long id, size_t size,
					       suture_shadow_ctor_t ctor, void *ctor_data)
{
	return suture__shadow_get_or_alloc(obj, id, size, ctor, ctor_data, 1);
}

static inline void suture__shadow_unlink(struct suture_shadow_node **link, suture_shadow_dtor_t dtor)
{
	struct suture_shadow_node *node = *link;
	*link = node->next;
	if (dtor)
		dtor(node->obj, node->data);
	free(node);
}

/* Frees the shadow (OBJ, ID), if any, calling DTOR (if not NULL) first. */
static inline void suture_shadow_free(void *obj, unsigned long id, suture_shadow_dtor_t dtor)
{
	struct suture_shadow_root *root = suture__shadow_root();
	if (!suture__shadow_lock(root))
		return;
	struct suture_shadow_node **link = suture__shadow_find(root, obj, id);
	if (*link)
		suture__shadow_unlink(link, dtor);
	suture__shadow_unlock(root);
}

/* Frees every shadow with ID, whatever its object, calling DTOR on each. */
static inline void suture_shadow_free_all(unsigned long id, suture_shadow_dtor_t dtor)
{
	struct suture_shadow_root *root = suture__shadow_root();
	if (!suture__shadow_lock(root))
		return;
	for (size_t b = 0; b < SUTURE_SHADOW_BUCKETS; b++) {
		struct suture_shadow_node **link = &root->bucket[b];
		while (*link) {
			if ((*link)->id == id)
				suture__shadow_unlink(link, dtor);
			else
				link = &(*link)->next;
		}
	}
	suture__shadow_unlock(root);
}

#endif
