#pragma once
#include <sqlite3.h>

/// `sqlite3_config` is variadic, which Swift cannot call. Turns off SQLite's
/// memory statistics, which take a process-wide mutex on every allocation; this
/// service never reads them. Only takes effect before SQLite initializes (the
/// first connection opened); later it returns SQLITE_MISUSE and changes nothing.
static inline int dealer_sqlite3_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
