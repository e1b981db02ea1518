#define _GNU_SOURCE
#include "CSystem.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/auxv.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <linux/openat2.h>
#include <unistd.h>

extern char **environ;

const int ds_CLONE_NEWUSER = CLONE_NEWUSER;
const int ds_CLONE_NEWNS = CLONE_NEWNS;
const int ds_CLONE_NEWNET = CLONE_NEWNET;
const int ds_CLONE_NEWPID = CLONE_NEWPID;
const int ds_CLONE_FS = CLONE_FS;

const unsigned long ds_MS_RDONLY = MS_RDONLY;
const unsigned long ds_MS_NOSUID = MS_NOSUID;
const unsigned long ds_MS_NODEV = MS_NODEV;
const unsigned long ds_MS_NOEXEC = MS_NOEXEC;
const unsigned long ds_MS_REMOUNT = MS_REMOUNT;
const unsigned long ds_MS_BIND = MS_BIND;
const unsigned long ds_MS_REC = MS_REC;
const unsigned long ds_MS_PRIVATE = MS_PRIVATE;
const unsigned long ds_MS_SLAVE = MS_SLAVE;
const unsigned long ds_MS_MOVE = MS_MOVE;
const unsigned long ds_MS_UNBINDABLE = MS_UNBINDABLE;
const int ds_MNT_DETACH = MNT_DETACH;

int ds_unshare(int flags) { return unshare(flags); }
int ds_setns(int fd, int nstype) { return setns(fd, nstype); }

int ds_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}

int ds_mount(const char *source, const char *target, const char *fstype,
             unsigned long flags, const void *data) {
    return mount(source, target, fstype, flags, data);
}

int ds_umount2(const char *target, int flags) { return umount2(target, flags); }

int ds_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }

int ds_drop_ambient_capabilities(void) {
    return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

int ds_clear_capabilities(void) {
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    return (int)syscall(SYS_capset, &header, data);
}

int ds_openat(int dirfd, const char *path, int flags, mode_t mode) {
    return openat(dirfd, path, flags, mode);
}

int ds_loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

char **ds_environ(void) { return environ; }

const int ds_O_PATH = O_PATH;
const int ds_O_TMPFILE = O_TMPFILE;

int ds_openat_in_root(int root, const char *path, int flags, mode_t mode) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (unsigned long long)flags;
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    return (int)syscall(SYS_openat2, root, path, &how, sizeof how);
}

int ds_remount_bind_readonly(const char *path, unsigned long extra) {
    struct statvfs info;
    if (statvfs(path, &info) != 0) return -1;
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | extra;
    if (info.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    if (info.f_flag & ST_NODEV) flags |= MS_NODEV;
    if (info.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (info.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (info.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (info.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    return mount(NULL, path, NULL, flags, NULL);
}

const char *ds_exec_file_name(void) { return (const char *)getauxval(AT_EXECFN); }

int ds_syncfs(int fd) { return syncfs(fd); }

uint64_t ds_monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}
