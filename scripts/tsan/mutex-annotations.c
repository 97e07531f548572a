// ThreadSanitizer cannot see Synchronization.Mutex's contended path on Linux.
//
// Mutex.withLock takes and releases the lock with inlined atomics when it is
// free (TSan sees those), but when it is contended the waiting thread sleeps
// in the futex inside libswiftSynchronization.so, which is not instrumented:
// the acquisition that follows the wake-up is invisible, so TSan reports every
// access made under a contended Mutex as a race with the previous holder's
// (a five-line program that only appends to an array under a Mutex from 8
// threads gets "Swift access race" reports). This library, preloaded into the
// TSan test run (LD_PRELOAD, by scripts/test-tsan), wraps the three out-of-line slow
// paths of _MutexHandle and tells TSan what they do: acquire after _lockSlow
// and a successful _tryLockSlow, release before _unlockSlow, on the handle's
// address, the same address the inlined fast paths synchronise on. Nothing
// is suppressed: accesses not protected by the Mutex are still reported.
//
// Built and preloaded by scripts/test-tsan; only for TSan runs.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

void __tsan_acquire(void *addr) __attribute__((weak));
void __tsan_release(void *addr) __attribute__((weak));

#define SWIFT_CC __attribute__((swiftcall))
#define SWIFT_SELF __attribute__((swift_context))

#define LOCK_SLOW "$s15Synchronization12_MutexHandleV9_lockSlowyys6UInt32VF"
#define TRY_LOCK_SLOW "$s15Synchronization12_MutexHandleV12_tryLockSlowSbyF"
#define UNLOCK_SLOW "$s15Synchronization12_MutexHandleV11_unlockSlowyyF"

typedef SWIFT_CC void (*lock_slow_t)(uint32_t, void *SWIFT_SELF);
typedef SWIFT_CC bool (*try_lock_slow_t)(void *SWIFT_SELF);
typedef SWIFT_CC void (*unlock_slow_t)(void *SWIFT_SELF);

static void *original(const char *name) {
    void *symbol = dlsym(RTLD_NEXT, name);
    if (!symbol) abort();
    return symbol;
}

SWIFT_CC void lock_slow(uint32_t owner, void *SWIFT_SELF handle) __asm__(LOCK_SLOW);
SWIFT_CC void lock_slow(uint32_t owner, void *SWIFT_SELF handle) {
    static lock_slow_t next;
    if (!next) next = (lock_slow_t)original(LOCK_SLOW);
    next(owner, handle);
    if (__tsan_acquire) __tsan_acquire(handle);
}

SWIFT_CC bool try_lock_slow(void *SWIFT_SELF handle) __asm__(TRY_LOCK_SLOW);
SWIFT_CC bool try_lock_slow(void *SWIFT_SELF handle) {
    static try_lock_slow_t next;
    if (!next) next = (try_lock_slow_t)original(TRY_LOCK_SLOW);
    bool locked = next(handle);
    if (locked && __tsan_acquire) __tsan_acquire(handle);
    return locked;
}

SWIFT_CC void unlock_slow(void *SWIFT_SELF handle) __asm__(UNLOCK_SLOW);
SWIFT_CC void unlock_slow(void *SWIFT_SELF handle) {
    static unlock_slow_t next;
    if (!next) next = (unlock_slow_t)original(UNLOCK_SLOW);
    if (__tsan_release) __tsan_release(handle);
    next(handle);
}
