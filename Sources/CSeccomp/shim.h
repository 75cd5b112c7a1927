#pragma once
#include <seccomp.h>
// Function-like macros are not imported into Swift.
static inline uint32_t cseccomp_act_errno(uint16_t err) { return SCMP_ACT_ERRNO(err); }
