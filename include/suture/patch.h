/* <suture/patch.h>: what a hand-written patch source may use
 * (callbacks, shadow variables, references to the target's private
 * symbols).  See docs/patch-format.md and man/suture-build.1. */
#ifndef SUTURE_PATCH_H
#define SUTURE_PATCH_H

#endif
