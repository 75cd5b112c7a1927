#pragma once
#include <sqlite3.h>
// SQLITE_TRANSIENT/STATIC are casts of ints to function pointers, which Swift cannot import.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }
