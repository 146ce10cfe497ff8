/*
 * LD_PRELOAD library for the chaos harness's `lose-unsynced` fault (test/chaos/unsynced.ts).
 *
 * It wraps fsync(2) and fdatasync(2): after a successful call on a regular file it appends one line
 * "<dev> <inode> <size>\n" to the file named by $SYNCTRACK_LOG. The size at the last successful
 * sync is what a power failure keeps of a file that is only ever appended to (LevelDB's WAL,
 * MANIFEST and tables); everything past it lived in the page cache only. Keying by inode, not path,
 * follows a file through rename(2) (LevelDB writes CURRENT under a temporary name, syncs, renames).
 *
 * The process's own work is unchanged: the real call runs first and its result is returned as is.
 * Built by the harness with `cc -shared -fPIC -O2 -o libsynctrack.so sync-tracker.c -ldl`.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

typedef int (*sync_fn)(int);

static int log_fd = -1;
static pthread_once_t log_once = PTHREAD_ONCE_INIT;

static void open_log(void) {
  const char *path = getenv("SYNCTRACK_LOG");
  if (path != NULL && path[0] != '\0') log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

/* One write(2) per line on an O_APPEND descriptor: lines from several threads never interleave. */
static void record(const struct stat *st) {
  char line[96];
  int saved = errno;
  pthread_once(&log_once, open_log);
  if (log_fd >= 0) {
    int n = snprintf(line, sizeof line, "%llu %llu %lld\n", (unsigned long long)st->st_dev,
                     (unsigned long long)st->st_ino, (long long)st->st_size);
    if (n <= 0 || n >= (int)sizeof line || write(log_fd, line, (size_t)n) != n) abort(); /* a lost line would fake data loss */
  }
  errno = saved;
}

/*
 * The size is read before the sync: a sync makes durable everything written before it was called,
 * while bytes another thread appends during the call may or may not be covered. Recording the size
 * from before is the largest size that is surely durable.
 */
static int call_and_record(const char *name, int fd) {
  sync_fn real = (sync_fn)dlsym(RTLD_NEXT, name);
  if (real == NULL) abort();
  struct stat st;
  int regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  int r = real(fd);
  if (r == 0 && regular) record(&st);
  return r;
}

int fsync(int fd) { return call_and_record("fsync", fd); }

int fdatasync(int fd) { return call_and_record("fdatasync", fd); }
