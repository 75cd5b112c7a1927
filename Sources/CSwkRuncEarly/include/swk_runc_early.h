// Nothing to call: this target only adds swkube-runc's early seal, a constructor (swk_runc_early.c).
#pragma once
