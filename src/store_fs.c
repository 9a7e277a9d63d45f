/* The durable file half of the store: folders made and fsync'd, files placed
 * by temporary file + fsync + no-replace rename, hashes, the walk that crash
 * recovery uses, and the clocks. Knows nothing of the index. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "codec.h"
#include "buf.h"
#include "store_int.h"
#include "banned.h"

uint64_t store_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void store_now_utc(char out[20])
{
    struct tm tm;
    time_t t = time(NULL);
    gmtime_r(&t, &tm);
    if (strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        out[0] = '\0';
}

static int timed_fsync(int fd, struct store_fs_clock *clk)
{
    uint64_t t0 = store_now_ns();
    int rc = fsync(fd);
    if (clk) {
        clk->fsyncs++;
        clk->ns += store_now_ns() - t0;
    }
    return rc;
}

void store_dirset_add(struct store_dirset *s, const char *dir)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], dir) == 0)
            return;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
    }
    s->v[s->n++] = xstrdup(dir);
}

static void dirset_clear(struct store_dirset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    s->n = 0;
}

int store_dirset_sync(struct store_dirset *s, char *err, size_t errlen)
{
    int rc = 0;
    for (size_t i = 0; i < s->n && rc == 0; i++)
        rc = store_fs_sync_dir(s->v[i], NULL, err, errlen);
    dirset_clear(s);
    return rc;
}

void store_dirset_free(struct store_dirset *s)
{
    dirset_clear(s);
    free(s->v);
    s->v = NULL;
    s->cap = 0;
}

int store_fs_sync_dir(const char *dir, struct store_fs_clock *clk, char *err, size_t errlen)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open folder '%s': %s", dir, strerror(errno));
        return -1;
    }
    if (timed_fsync(fd, clk) < 0) {
        snprintf(err, errlen, "cannot sync folder '%s': %s", dir, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* The parent folder of path ("." when it has none). */
static void parent_of(const char *path, struct buf *out)
{
    const char *slash = strrchr(path, '/');
    buf_reset(out);
    if (!slash)
        buf_adds(out, ".");
    else if (slash == path)
        buf_adds(out, "/");
    else
        buf_add(out, path, (size_t)(slash - path));
}

int store_fs_mkdirs(const char *path, mode_t mode, struct store_dirset *defer,
                    struct store_fs_clock *clk, char *err, size_t errlen)
{
    struct buf p = BUF_INIT, parent = BUF_INIT;
    struct stat sb;
    int rc = -1;

    buf_adds(&p, path);
    while (p.len > 1 && p.data[p.len - 1] == '/')
        p.data[--p.len] = '\0';
    /* Make each missing component from the top down. */
    for (size_t i = 1; i <= p.len; i++) {
        if (i < p.len && p.data[i] != '/')
            continue;
        p.data[i] = '\0';
        if (mkdir(p.data, mode) == 0) {
            parent_of(p.data, &parent);
            if (defer)
                store_dirset_add(defer, parent.data);
            else if (store_fs_sync_dir(parent.data, clk, err, errlen) < 0)
                goto out;
        } else if (errno != EEXIST) {
            snprintf(err, errlen, "cannot make folder '%s': %s", p.data, strerror(errno));
            goto out;
        } else if (stat(p.data, &sb) < 0) {
            snprintf(err, errlen, "cannot make folder '%s': %s", p.data, strerror(errno));
            goto out;
        } else if (!S_ISDIR(sb.st_mode)) {
            snprintf(err, errlen, "cannot make folder '%s': %s", p.data, strerror(ENOTDIR));
            goto out;
        }
        if (i < p.len)
            p.data[i] = '/';
    }
    rc = 0;
out:
    buf_free(&p);
    buf_free(&parent);
    return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Rename without replacing: renameat2 where the file system has it, else a
 * hard link (which never replaces either) and an unlink. */
static int rename_noreplace(int dfd, const char *from, const char *to)
{
    if (renameat2(dfd, from, dfd, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return -1;
    if (linkat(dfd, from, dfd, to, 0) < 0)
        return -1;
    unlinkat(dfd, from, 0);
    return 0;
}

int store_fs_sync_all(const char *dir, struct store_fs_clock *clk, char *err, size_t errlen)
{
    uint64_t t0 = store_now_ns();
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;
    if (fd < 0) {
        snprintf(err, errlen, "cannot open folder '%s': %s", dir, strerror(errno));
        return -1;
    }
    rc = syncfs(fd);
    if (rc < 0)
        snprintf(err, errlen, "cannot sync the files under '%s': %s", dir, strerror(errno));
    close(fd);
    clk->fsyncs++;
    clk->ns += store_now_ns() - t0;
    return rc;
}

int store_fs_place(const char *dir, const char *name, const char *tmp_name, const void *data,
                   size_t len, int sync, struct store_fs_clock *clk, char *err, size_t errlen)
{
    int dfd, fd = -1, rc = -1, e;

    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        e = errno;
        snprintf(err, errlen, "cannot open folder '%s': %s", dir, strerror(e));
        errno = e;
        return -1;
    }
    fd = openat(dfd, tmp_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create '%s/%s': %s", dir, tmp_name, strerror(errno));
        goto out;
    }
    if (write_all(fd, data, len) < 0) {
        snprintf(err, errlen, "cannot write '%s/%s': %s", dir, tmp_name, strerror(errno));
        goto fail;
    }
    if (sync && timed_fsync(fd, clk) < 0) {
        snprintf(err, errlen, "cannot sync '%s/%s': %s", dir, tmp_name, strerror(errno));
        goto fail;
    }
    if (close(fd) < 0) {
        fd = -1;
        snprintf(err, errlen, "cannot write '%s/%s': %s", dir, tmp_name, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename_noreplace(dfd, tmp_name, name) < 0) {
        if (errno == EEXIST) {
            rc = 1;
        } else {
            snprintf(err, errlen, "cannot rename '%s/%s' to '%s': %s", dir, tmp_name, name,
                     strerror(errno));
        }
        goto fail;
    }
    rc = 0;
    goto out;
fail:
    if (fd >= 0)
        close(fd);
    fd = -1;
    unlinkat(dfd, tmp_name, 0);
out:
    if (fd >= 0)
        close(fd);
    close(dfd);
    if (rc < 0)
        errno = 0;
    return rc;
}

void store_fs_sha256(const void *data, size_t len, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL)) {
        memset(md, 0, sizeof(md));
        n = 32;
    }
    codec_hex(md, n, hex);
}

int store_fs_sha256_file(const char *path, char hex[65], int64_t *size, char *err, size_t errlen)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char chunk[65536];
    EVP_MD_CTX *ctx = NULL;
    int fd, rc = -1;
    int64_t total = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    ctx = EVP_MD_CTX_new();
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
        snprintf(err, errlen, "cannot hash '%s': libcrypto failed", path);
        goto out;
    }
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        total += r;
        EVP_DigestUpdate(ctx, chunk, (size_t)r);
    }
    if (!EVP_DigestFinal_ex(ctx, md, &n)) {
        snprintf(err, errlen, "cannot hash '%s': libcrypto failed", path);
        goto out;
    }
    codec_hex(md, n, hex);
    *size = total;
    rc = 0;
out:
    EVP_MD_CTX_free(ctx);
    close(fd);
    return rc;
}

int store_fs_walk(const char *root, int depth,
                  int (*fn)(void *ctx, const char *dir, const char *name, char *err, size_t errlen),
                  void *ctx, char *err, size_t errlen)
{
    struct buf sub = BUF_INIT;
    struct dirent *de;
    DIR *d;
    int rc = 0;

    d = opendir(root);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "cannot read folder '%s': %s", root, strerror(errno));
        return -1;
    }
    while (rc == 0) {
        struct stat sb;
        errno = 0;
        de = readdir(d);
        if (!de) {
            if (errno) {
                snprintf(err, errlen, "cannot read folder '%s': %s", root, strerror(errno));
                rc = -1;
            }
            break;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT)
                continue;
            snprintf(err, errlen, "cannot read '%s/%s': %s", root, de->d_name, strerror(errno));
            rc = -1;
        } else if (S_ISDIR(sb.st_mode) && depth > 0) {
            buf_reset(&sub);
            buf_addf(&sub, "%s/%s", root, de->d_name);
            rc = store_fs_walk(sub.data, depth - 1, fn, ctx, err, errlen);
        } else if (S_ISREG(sb.st_mode)) {
            rc = fn(ctx, root, de->d_name, err, errlen);
        }
    }
    closedir(d);
    buf_free(&sub);
    return rc;
}

int store_fs_nonempty(const char *dir, char *err, size_t errlen)
{
    struct dirent *de;
    DIR *d = opendir(dir);
    int rc = 0;

    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        snprintf(err, errlen, "cannot read folder '%s': %s", dir, strerror(errno));
        return -1;
    }
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            rc = 1;
            break;
        }
    }
    closedir(d);
    return rc;
}
