/* Thin, non-variadic wrappers for the Linux calls and constants that
   Glibc's Swift module map hides or that Swift cannot call (variadic). */
#ifndef DOTSLASH_CSYSTEM_H
#define DOTSLASH_CSYSTEM_H

#include <sys/types.h>
#include <stdint.h>

/* Namespace flags (sched.h needs _GNU_SOURCE, which the module map lacks). */
extern const int ds_CLONE_NEWUSER;
extern const int ds_CLONE_NEWNS;
extern const int ds_CLONE_NEWNET;
extern const int ds_CLONE_NEWPID;
extern const int ds_CLONE_FS;

/* mount(2) flags. */
extern const unsigned long ds_MS_RDONLY;
extern const unsigned long ds_MS_NOSUID;
extern const unsigned long ds_MS_NODEV;
extern const unsigned long ds_MS_NOEXEC;
extern const unsigned long ds_MS_REMOUNT;
extern const unsigned long ds_MS_BIND;
extern const unsigned long ds_MS_REC;
extern const unsigned long ds_MS_PRIVATE;
extern const unsigned long ds_MS_SLAVE;
extern const unsigned long ds_MS_MOVE;
extern const unsigned long ds_MS_UNBINDABLE;
extern const int ds_MNT_DETACH;

int ds_unshare(int flags);
int ds_setns(int fd, int nstype);
int ds_pivot_root(const char *new_root, const char *put_old);
int ds_mount(const char *source, const char *target, const char *fstype,
             unsigned long flags, const void *data);
int ds_umount2(const char *target, int flags);

/* prctl(2) is variadic. */
int ds_set_no_new_privs(void);
int ds_drop_ambient_capabilities(void);

/* capset(2) through syscall(2), which is variadic: clear every capability
   of the calling thread (effective, permitted, inheritable). */
int ds_clear_capabilities(void);

/* open(2)/openat(2) with an explicit mode. */
int ds_openat(int dirfd, const char *path, int flags, mode_t mode);

/* Bring the loopback interface up (ioctl is variadic). */
int ds_loopback_up(void);

/* The process environment, for execve. */
char **ds_environ(void);

/* open(2) flags that need _GNU_SOURCE. */
extern const int ds_O_PATH;
extern const int ds_O_TMPFILE;

/* openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: `path` resolved
   as if `root` were "/", symlinks included; no escape through "..",
   absolute links or /proc magic links. */
int ds_openat_in_root(int root, const char *path, int flags, mode_t mode);

/* Bind remount of the mount at `path` as read-only (plus `extra` flags),
   keeping its nosuid/nodev/noexec/atime flags: on a mount from a more
   privileged namespace they are locked, and a remount that drops them
   fails with EPERM. */
int ds_remount_bind_readonly(const char *path, unsigned long extra);

/* getauxval(AT_EXECFN): the file name the process was exec'd with. */
const char *ds_exec_file_name(void);

/* syncfs(2): flush the filesystem that holds fd. */
int ds_syncfs(int fd);

/* Monotonic clock in nanoseconds, for DOTSLASH_TRACE. */
uint64_t ds_monotonic_ns(void);

#endif
