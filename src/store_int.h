/* Internals shared by the store's source files (not part of the interface):
 * durable file operations (store_fs.c) and random names (store_code.c). */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A set of folders whose fsync is owed (a batch defers them to its end). */
struct store_dirset {
    char **v;
    size_t n, cap;
};

/* Remember dir (copied) unless already there. */
void store_dirset_add(struct store_dirset *s, const char *dir);
/* fsync every folder, then forget them all (also on failure). */
int store_dirset_sync(struct store_dirset *s, char *err, size_t errlen);
void store_dirset_free(struct store_dirset *s);

/* Time spent in fsync, for store_stats; the store adds these up. */
struct store_fs_clock {
    uint64_t fsyncs;
    uint64_t ns;
};

/* fsync a folder. */
int store_fs_sync_dir(const char *dir, struct store_fs_clock *clk, char *err, size_t errlen);

/* mkdir -p with mode; each folder made is followed by an fsync of its parent,
 * now (defer NULL) or added to defer. */
int store_fs_mkdirs(const char *path, mode_t mode, struct store_dirset *defer,
                    struct store_fs_clock *clk, char *err, size_t errlen);

/* Write data as dir/name without ever replacing an existing file: write a
 * temporary file in dir (O_EXCL, named by tmp_name), fsync it, and rename it
 * to name only if name does not exist. The folder is not fsync'd. 0 placed, 1
 * name already exists (nothing left behind), -1 error. ENOENT for dir is
 * reported as errno ENOENT with -1 so that the caller can make the folders. */
int store_fs_place(const char *dir, const char *name, const char *tmp_name, const void *data,
                   size_t len, struct store_fs_clock *clk, char *err, size_t errlen);

/* SHA-256 of bytes, as 64 lowercase hex digits and a NUL. */
void store_fs_sha256(const void *data, size_t len, char hex[65]);
/* SHA-256 and size of a file: 0, 1 the file does not exist, -1 error. */
int store_fs_sha256_file(const char *path, char hex[65], int64_t *size, char *err, size_t errlen);

/* Call fn for every regular file under root, at most depth folders down, with
 * the folder path and the file name. A missing root is empty. fn returns 0 to
 * go on, -1 to stop with err set. */
int store_fs_walk(const char *root, int depth,
                  int (*fn)(void *ctx, const char *dir, const char *name, char *err, size_t errlen),
                  void *ctx, char *err, size_t errlen);
/* 1 when the folder exists and holds anything, 0 when absent or empty, -1. */
int store_fs_nonempty(const char *dir, char *err, size_t errlen);

/* n random bytes from the cryptographic source as 2n hex digits + NUL. */
int store_random_hex(char *out, size_t nbytes);

#endif
