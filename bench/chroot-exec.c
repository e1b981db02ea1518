/* The "direct" baseline of bench/startup: chroot(2) into a tree and execv
   the interpreter, from a static binary, so the baseline pays for one helper
   exec exactly like the runner does, and nothing else. */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: chroot-exec ROOT DIR PROGRAM [ARGS...]\n");
        return 64;
    }
    if (chroot(argv[1]) != 0 || chdir(argv[2]) != 0) {
        fprintf(stderr, "chroot-exec: %s: %s\n", argv[1], strerror(errno));
        return 126;
    }
    execv(argv[3], argv + 3);
    fprintf(stderr, "chroot-exec: %s: %s\n", argv[3], strerror(errno));
    return 127;
}
