/* The single-transaction fsync ceiling of a disk (issue 10, "Group commit that
 * scales"): one single-row INSERT per transaction, WAL, synchronous=FULL, for a
 * number of seconds; prints commits/s. Built and run by scripts/fsync-ceiling. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void check(int rc, sqlite3 *db, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "fsync-ceiling: %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: fsync-ceiling DB_PATH SECONDS SYNC(full|normal)\n");
        return 2;
    }
    double seconds = atof(argv[2]);
    sqlite3 *db;
    check(sqlite3_open(argv[1], &db), db, "open");
    char pragmas[200];
    snprintf(pragmas, sizeof pragmas, "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s;", argv[3]);
    check(sqlite3_exec(db, pragmas, 0, 0, 0), db, "pragmas");
    check(sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)", 0, 0, 0), db, "create");
    sqlite3_stmt *insert;
    check(sqlite3_prepare_v2(db, "INSERT INTO t(v) VALUES ('x')", -1, &insert, 0), db, "prepare");
    long commits = 0;
    double start = now(), end = start + seconds;
    while (now() < end) {
        check(sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0), db, "begin");
        check(sqlite3_step(insert), db, "insert");
        sqlite3_reset(insert);
        check(sqlite3_exec(db, "COMMIT", 0, 0, 0), db, "commit");
        commits++;
    }
    double elapsed = now() - start;
    printf("fsync-ceiling: synchronous=%s commits=%ld seconds=%.2f commits/s=%.0f\n", argv[3], commits, elapsed,
        commits / elapsed);
    sqlite3_finalize(insert);
    sqlite3_close(db);
    return 0;
}
