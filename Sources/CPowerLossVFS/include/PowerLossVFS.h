#ifndef POWERLOSS_VFS_H
#define POWERLOSS_VFS_H

#include <stdint.h>

/// Test-only SQLite VFS "powerloss", layered on the default unix VFS.
///
/// It passes every call through, and remembers for each open database, WAL
/// or journal file the writes (offset and the bytes they replaced) made since
/// that file's last xSync. `powerloss_cut` "cuts the power": those writes are
/// undone (DROP) or torn (TORN: a seeded random prefix of each kept), and from
/// then on every I/O call on any handle fails with SQLITE_IOERR until
/// `powerloss_reset` (call it once every connection is closed). Separately, a
/// fault can be armed: the k-th xWrite or xSync from then on, and every one
/// after it until `powerloss_fault_clear`, fails with SQLITE_IOERR or SQLITE_FULL.
///
/// All state is global and guarded by one mutex: one test at a time uses it.

/// What a power cut does to the unsynced writes.
typedef enum {
    /// Every write since the file's last xSync is undone.
    POWERLOSS_DROP = 0,
    /// A random prefix (seeded) of each write since the last xSync is kept.
    POWERLOSS_TORN = 1,
} powerloss_mode;

/// Which calls an armed fault fails, and with what.
typedef enum {
    POWERLOSS_FAULT_NONE = 0,
    /// xWrite fails with SQLITE_IOERR_WRITE.
    POWERLOSS_FAULT_WRITE_IOERR = 1,
    /// xSync fails with SQLITE_IOERR_FSYNC.
    POWERLOSS_FAULT_SYNC_IOERR = 2,
    /// xWrite fails with SQLITE_FULL (a full disk).
    POWERLOSS_FAULT_WRITE_FULL = 3,
} powerloss_fault;

/// Registers the VFS under the name "powerloss" (not as the default); idempotent.
/// Returns an SQLite result code.
int powerloss_register(void);

/// Clears the cut, the armed fault, the automatic cut and the counters, and seeds
/// the random generator of torn writes.
void powerloss_reset(uint64_t seed);

/// The next number of the seeded generator that tears writes (for picking cut moments).
uint64_t powerloss_random(void);

/// Cuts the power now. Returns the number of unsynced writes undone or torn.
int64_t powerloss_cut(powerloss_mode mode);

/// Cuts the power inside the n-th xWrite from now (that write fails); 0 disarms.
void powerloss_cut_at_write(int64_t n, powerloss_mode mode);

/// True (1) once the power was cut.
int powerloss_is_cut(void);

/// Unsynced writes undone or torn by the last cut.
int64_t powerloss_writes_lost(void);

/// xWrite and xSync calls passed through since the last reset.
int64_t powerloss_write_count(void);
int64_t powerloss_sync_count(void);

/// Database, WAL and journal files open through the VFS now (0 once every connection closed).
int64_t powerloss_open_files(void);

/// Arms a fault: the k-th call of its kind from now (k >= 1), and every later
/// one until `powerloss_fault_clear`, fails.
void powerloss_fault_arm(powerloss_fault fault, int64_t k);

/// Disarms the fault; calls pass through again.
void powerloss_fault_clear(void);

/// Calls failed by armed faults since the last reset.
int64_t powerloss_faults_injected(void);

#endif
