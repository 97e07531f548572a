#include "PowerLossVFS.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

// One write made since the file's last xSync: where, how long, and the bytes it
// replaced (only those that existed then; the file may have grown).
typedef struct {
    sqlite3_int64 offset;
    int length;
    int oldLength;
    unsigned char *old;
} UndoEntry;

// What the disk holds of one file (database, WAL or journal), shared by every handle
// open on it: an xSync through any handle makes the file's writes durable.
typedef struct FileState {
    char *path;
    int handles;
    // Size at the last xSync (or at the first open: what was there is on disk).
    sqlite3_int64 syncedSize;
    UndoEntry *undo;
    int undoCount;
    int undoCapacity;
    struct FileState *next;
} FileState;

// A handle opened through the VFS. The unix VFS's own file follows it in memory.
typedef struct PowerLossFile {
    sqlite3_file base;
    sqlite3_file *real;
    // NULL for files that are not tracked (temporary files).
    FileState *state;
} PowerLossFile;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sqlite3_vfs *realVFS;
static sqlite3_vfs powerLossVFS;
static FileState *openFiles;
static int cut;
static int64_t writesLost;
static int64_t writeCount, syncCount;
static int64_t cutAtWrite;
static powerloss_mode cutAtWriteMode;
static powerloss_fault armedFault;
static int64_t faultCountdown;  // calls of the armed kind left before it fires; fires at 0 and stays
static int64_t faultsInjected;
static uint64_t randomState = 1;

static uint64_t nextRandom(void) {  // splitmix64
    uint64_t z = (randomState += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void clearUndo(FileState *state) {
    for (int i = 0; i < state->undoCount; i++) free(state->undo[i].old);
    state->undoCount = 0;
}

static int realSize(PowerLossFile *file, sqlite3_int64 *size) {
    return file->real->pMethods->xFileSize(file->real, size);
}

// Remembers what [offset, offset + length) holds before it is overwritten (or truncated away).
static int recordUndo(PowerLossFile *file, sqlite3_int64 offset, int length) {
    FileState *state = file->state;
    sqlite3_int64 size = 0;
    int rc = realSize(file, &size);
    if (rc != SQLITE_OK) return rc;
    if (state->undoCount == state->undoCapacity) {
        int capacity = state->undoCapacity ? state->undoCapacity * 2 : 16;
        UndoEntry *grown = realloc(state->undo, (size_t)capacity * sizeof(UndoEntry));
        if (!grown) return SQLITE_NOMEM;
        state->undo = grown;
        state->undoCapacity = capacity;
    }
    int oldLength = offset >= size ? 0 : (int)(size - offset < length ? size - offset : length);
    unsigned char *old = NULL;
    if (oldLength > 0) {
        old = malloc((size_t)oldLength);
        if (!old) return SQLITE_NOMEM;
        rc = file->real->pMethods->xRead(file->real, old, oldLength, offset);
        if (rc != SQLITE_OK) {
            free(old);
            return rc;
        }
    }
    state->undo[state->undoCount++] = (UndoEntry){offset, length, oldLength, old};
    return SQLITE_OK;
}

// Undoes (DROP) or tears (TORN) every unsynced write of the file, newest first: the
// bytes it replaced come back, and the part of it past the end of the file then reads
// as zeros (a hole) or is cut off with the file's end, which goes back to the synced
// size or to the end of the furthest kept prefix. Works on a descriptor of its own:
// after the cut no handle does any I/O again.
static void losePower(FileState *state, powerloss_mode mode) {
    if (state->undoCount == 0) return;
    int fd = open(state->path, O_RDWR);
    if (fd < 0) return;
    int *kept = calloc((size_t)state->undoCount, sizeof(int));
    if (!kept) {
        close(fd);
        return;
    }
    sqlite3_int64 end = state->syncedSize;
    for (int i = state->undoCount - 1; i >= 0; i--) {
        UndoEntry *entry = &state->undo[i];
        kept[i] = mode == POWERLOSS_TORN ? (int)(nextRandom() % (uint64_t)(entry->length + 1)) : 0;
        if (kept[i] > 0 && entry->offset + kept[i] > end) end = entry->offset + kept[i];
    }
    static const unsigned char zeros[4096];
    for (int i = state->undoCount - 1; i >= 0; i--) {
        UndoEntry *entry = &state->undo[i];
        if (kept[i] < entry->oldLength) {
            (void)!pwrite(fd, entry->old + kept[i], (size_t)(entry->oldLength - kept[i]), (off_t)(entry->offset + kept[i]));
        }
        sqlite3_int64 hole = entry->offset + (kept[i] > entry->oldLength ? kept[i] : entry->oldLength);
        sqlite3_int64 holeEnd = entry->offset + entry->length < end ? entry->offset + entry->length : end;
        for (; hole < holeEnd; hole += (sqlite3_int64)sizeof(zeros)) {
            sqlite3_int64 chunk = holeEnd - hole < (sqlite3_int64)sizeof(zeros) ? holeEnd - hole : (sqlite3_int64)sizeof(zeros);
            (void)!pwrite(fd, zeros, (size_t)chunk, (off_t)hole);
        }
        writesLost++;
    }
    free(kept);
    struct stat status;
    if (fstat(fd, &status) == 0 && status.st_size > end) (void)!ftruncate(fd, (off_t)end);
    close(fd);
    clearUndo(state);
}

static int64_t cutLocked(powerloss_mode mode) {
    int64_t before = writesLost;
    if (!cut) {
        for (FileState *state = openFiles; state; state = state->next) losePower(state, mode);
        __atomic_store_n(&cut, 1, __ATOMIC_SEQ_CST);
    }
    return writesLost - before;
}

// The armed fault of this kind fires now (SQLITE_OK when not).
static int injectedFault(int isWrite) {
    int matches = isWrite ? (armedFault == POWERLOSS_FAULT_WRITE_IOERR || armedFault == POWERLOSS_FAULT_WRITE_FULL)
                          : armedFault == POWERLOSS_FAULT_SYNC_IOERR;
    if (!matches) return SQLITE_OK;
    if (faultCountdown > 1) {
        faultCountdown--;
        return SQLITE_OK;
    }
    faultCountdown = 0;
    faultsInjected++;
    switch (armedFault) {
    case POWERLOSS_FAULT_WRITE_FULL: return SQLITE_FULL;
    case POWERLOSS_FAULT_SYNC_IOERR: return SQLITE_IOERR_FSYNC;
    default: return SQLITE_IOERR_WRITE;
    }
}

// MARK: File methods

static int plClose(sqlite3_file *pFile) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    pthread_mutex_lock(&lock);
    FileState *state = file->state;
    if (state && --state->handles == 0) {
        for (FileState **link = &openFiles; *link; link = &(*link)->next) {
            if (*link == state) {
                *link = state->next;
                break;
            }
        }
        clearUndo(state);
        free(state->undo);
        free(state->path);
        free(state);
    }
    file->state = NULL;
    pthread_mutex_unlock(&lock);
    return file->real->pMethods->xClose(file->real);
}

static int plRead(sqlite3_file *pFile, void *buffer, int amount, sqlite3_int64 offset) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    pthread_mutex_lock(&lock);
    int rc = cut ? SQLITE_IOERR_READ : file->real->pMethods->xRead(file->real, buffer, amount, offset);
    pthread_mutex_unlock(&lock);
    return rc;
}

static int plWrite(sqlite3_file *pFile, const void *buffer, int amount, sqlite3_int64 offset) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    pthread_mutex_lock(&lock);
    int rc = SQLITE_OK;
    if (cut) {
        rc = SQLITE_IOERR_WRITE;
    } else if (cutAtWrite > 0 && writeCount + 1 >= cutAtWrite) {
        cutLocked(cutAtWriteMode);
        rc = SQLITE_IOERR_WRITE;
    } else if ((rc = injectedFault(1)) == SQLITE_OK) {
        if (file->state) rc = recordUndo(file, offset, amount);
        if (rc == SQLITE_OK) rc = file->real->pMethods->xWrite(file->real, buffer, amount, offset);
        writeCount++;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

static int plTruncate(sqlite3_file *pFile, sqlite3_int64 size) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    pthread_mutex_lock(&lock);
    int rc = SQLITE_OK;
    if (cut) {
        rc = SQLITE_IOERR_TRUNCATE;
    } else {
        sqlite3_int64 current = 0;
        if (file->state && (rc = realSize(file, &current)) == SQLITE_OK && current > size) {
            rc = recordUndo(file, size, (int)(current - size));
        }
        if (rc == SQLITE_OK) rc = file->real->pMethods->xTruncate(file->real, size);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

static int plSync(sqlite3_file *pFile, int flags) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    pthread_mutex_lock(&lock);
    int rc = cut ? SQLITE_IOERR_FSYNC : injectedFault(0);
    if (rc == SQLITE_OK) {
        rc = file->real->pMethods->xSync(file->real, flags);
        syncCount++;
        if (rc == SQLITE_OK && file->state) {
            clearUndo(file->state);
            rc = realSize(file, &file->state->syncedSize);
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

static int plFileSize(sqlite3_file *pFile, sqlite3_int64 *size) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    pthread_mutex_lock(&lock);
    int rc = cut ? SQLITE_IOERR_FSTAT : realSize(file, size);
    pthread_mutex_unlock(&lock);
    return rc;
}

static int plLock(sqlite3_file *pFile, int level) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    if (__atomic_load_n(&cut, __ATOMIC_SEQ_CST)) return SQLITE_IOERR_LOCK;
    return file->real->pMethods->xLock(file->real, level);
}

static int plUnlock(sqlite3_file *pFile, int level) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    return file->real->pMethods->xUnlock(file->real, level);
}

static int plCheckReservedLock(sqlite3_file *pFile, int *result) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    return file->real->pMethods->xCheckReservedLock(file->real, result);
}

static int plFileControl(sqlite3_file *pFile, int op, void *argument) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    return file->real->pMethods->xFileControl(file->real, op, argument);
}

static int plSectorSize(sqlite3_file *pFile) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    return file->real->pMethods->xSectorSize(file->real);
}

static int plDeviceCharacteristics(sqlite3_file *pFile) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    return file->real->pMethods->xDeviceCharacteristics(file->real);
}

// The -shm file is mapped memory: passed through, and lost with the power (after a cut
// it can neither be mapped nor locked; the test deletes it, as a reboot would).
static int plShmMap(sqlite3_file *pFile, int region, int size, int extend, void volatile **pp) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    if (__atomic_load_n(&cut, __ATOMIC_SEQ_CST)) return SQLITE_IOERR_SHMMAP;
    return file->real->pMethods->xShmMap(file->real, region, size, extend, pp);
}

static int plShmLock(sqlite3_file *pFile, int offset, int n, int flags) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    if (!(flags & SQLITE_SHM_UNLOCK) && __atomic_load_n(&cut, __ATOMIC_SEQ_CST)) return SQLITE_IOERR_SHMLOCK;
    return file->real->pMethods->xShmLock(file->real, offset, n, flags);
}

static void plShmBarrier(sqlite3_file *pFile) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    file->real->pMethods->xShmBarrier(file->real);
}

static int plShmUnmap(sqlite3_file *pFile, int deleteFlag) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    if (__atomic_load_n(&cut, __ATOMIC_SEQ_CST)) deleteFlag = 0;
    return file->real->pMethods->xShmUnmap(file->real, deleteFlag);
}

static int plFetch(sqlite3_file *pFile, sqlite3_int64 offset, int amount, void **pp) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    *pp = NULL;
    if (__atomic_load_n(&cut, __ATOMIC_SEQ_CST)) return SQLITE_IOERR_READ;
    return file->real->pMethods->xFetch(file->real, offset, amount, pp);
}

static int plUnfetch(sqlite3_file *pFile, sqlite3_int64 offset, void *p) {
    PowerLossFile *file = (PowerLossFile *)pFile;
    return file->real->pMethods->xUnfetch(file->real, offset, p);
}

static const sqlite3_io_methods powerLossMethods = {
    3, plClose, plRead, plWrite, plTruncate, plSync, plFileSize, plLock, plUnlock, plCheckReservedLock,
    plFileControl, plSectorSize, plDeviceCharacteristics, plShmMap, plShmLock, plShmBarrier, plShmUnmap,
    plFetch, plUnfetch,
};

// MARK: VFS methods

static int plOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *pFile, int flags, int *outFlags) {
    (void)vfs;
    PowerLossFile *file = (PowerLossFile *)pFile;
    memset(file, 0, sizeof(*file));
    file->real = (sqlite3_file *)(file + 1);
    if (__atomic_load_n(&cut, __ATOMIC_SEQ_CST)) return SQLITE_CANTOPEN;
    int rc = realVFS->xOpen(realVFS, name, file->real, flags, outFlags);
    if (rc != SQLITE_OK || !file->real->pMethods) {
        file->base.pMethods = NULL;
        return rc == SQLITE_OK ? SQLITE_CANTOPEN : rc;
    }
    file->base.pMethods = &powerLossMethods;
    if (!name || !(flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL))) return SQLITE_OK;
    pthread_mutex_lock(&lock);
    FileState *state = openFiles;
    while (state && strcmp(state->path, name) != 0) state = state->next;
    if (!state) {
        state = calloc(1, sizeof(FileState));
        char *path = state ? strdup(name) : NULL;
        if (!path) {
            free(state);
            pthread_mutex_unlock(&lock);
            file->real->pMethods->xClose(file->real);
            file->base.pMethods = NULL;
            return SQLITE_NOMEM;
        }
        state->path = path;
        if (realSize(file, &state->syncedSize) != SQLITE_OK) state->syncedSize = 0;
        state->next = openFiles;
        openFiles = state;
    }
    state->handles++;
    file->state = state;
    pthread_mutex_unlock(&lock);
    return SQLITE_OK;
}

static int plDelete(sqlite3_vfs *vfs, const char *name, int syncDirectory) {
    (void)vfs;
    if (__atomic_load_n(&cut, __ATOMIC_SEQ_CST)) return SQLITE_IOERR_DELETE;
    return realVFS->xDelete(realVFS, name, syncDirectory);
}

// MARK: Control

int powerloss_register(void) {
    pthread_mutex_lock(&lock);
    int rc = SQLITE_OK;
    if (!realVFS) {
        sqlite3_vfs *base = sqlite3_vfs_find("unix");
        if (!base) {
            rc = SQLITE_ERROR;
        } else {
            powerLossVFS = *base;
            powerLossVFS.pNext = NULL;
            powerLossVFS.zName = "powerloss";
            powerLossVFS.szOsFile = (int)sizeof(PowerLossFile) + base->szOsFile;
            powerLossVFS.xOpen = plOpen;
            powerLossVFS.xDelete = plDelete;
            rc = sqlite3_vfs_register(&powerLossVFS, 0);
            if (rc == SQLITE_OK) realVFS = base;
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void powerloss_reset(uint64_t seed) {
    pthread_mutex_lock(&lock);
    __atomic_store_n(&cut, 0, __ATOMIC_SEQ_CST);
    writesLost = writeCount = syncCount = cutAtWrite = faultsInjected = faultCountdown = 0;
    armedFault = POWERLOSS_FAULT_NONE;
    randomState = seed;
    pthread_mutex_unlock(&lock);
}

uint64_t powerloss_random(void) {
    pthread_mutex_lock(&lock);
    uint64_t value = nextRandom();
    pthread_mutex_unlock(&lock);
    return value;
}

int64_t powerloss_cut(powerloss_mode mode) {
    pthread_mutex_lock(&lock);
    int64_t lost = cutLocked(mode);
    pthread_mutex_unlock(&lock);
    return lost;
}

void powerloss_cut_at_write(int64_t n, powerloss_mode mode) {
    pthread_mutex_lock(&lock);
    cutAtWrite = n > 0 ? writeCount + n : 0;
    cutAtWriteMode = mode;
    pthread_mutex_unlock(&lock);
}

int powerloss_is_cut(void) { return __atomic_load_n(&cut, __ATOMIC_SEQ_CST); }

int64_t powerloss_writes_lost(void) {
    pthread_mutex_lock(&lock);
    int64_t value = writesLost;
    pthread_mutex_unlock(&lock);
    return value;
}

int64_t powerloss_write_count(void) {
    pthread_mutex_lock(&lock);
    int64_t value = writeCount;
    pthread_mutex_unlock(&lock);
    return value;
}

int64_t powerloss_sync_count(void) {
    pthread_mutex_lock(&lock);
    int64_t value = syncCount;
    pthread_mutex_unlock(&lock);
    return value;
}

int64_t powerloss_open_files(void) {
    pthread_mutex_lock(&lock);
    int64_t count = 0;
    for (FileState *state = openFiles; state; state = state->next) count++;
    pthread_mutex_unlock(&lock);
    return count;
}

void powerloss_fault_arm(powerloss_fault fault, int64_t k) {
    pthread_mutex_lock(&lock);
    armedFault = fault;
    faultCountdown = k < 1 ? 1 : k;
    pthread_mutex_unlock(&lock);
}

void powerloss_fault_clear(void) {
    pthread_mutex_lock(&lock);
    armedFault = POWERLOSS_FAULT_NONE;
    faultCountdown = 0;
    pthread_mutex_unlock(&lock);
}

int64_t powerloss_faults_injected(void) {
    pthread_mutex_lock(&lock);
    int64_t value = faultsInjected;
    pthread_mutex_unlock(&lock);
    return value;
}
