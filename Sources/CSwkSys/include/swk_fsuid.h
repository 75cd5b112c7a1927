#pragma once
#include <sys/fsuid.h>

// <sys/fsuid.h> is not part of Swift's Glibc module. setfsuid changes the filesystem uid of the
// calling thread only; leaving 0 drops CAP_DAC_OVERRIDE, so root can test permission errors.
static inline int swk_setfsuid(unsigned int uid) { return setfsuid(uid); }
