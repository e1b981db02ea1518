#!/usr/bin/env python3
"""Builds the tarballs the store tests extract, hostile ones included.

usage: make-tarball.py CASE OUT [ARG]

OUT ending in .tar.gz, .tar.xz or .tar.bz2 is compressed accordingly; .tar
is plain. Members are built in memory (nothing is read from the machine),
with fixed times, so a case always gives the same bytes.

Cases:
  good               a small rootfs: dirs, files, symlinks (relative and
                     absolute), a hard link, a fifo, a read-only dir
  dotdot             good + members named ../escape-dotdot and a/../../escape-dotdot2
  absolute           good + a member named ARG (an absolute path)
  symlink-write      good + symlink evil -> ARG (a directory outside), then evil/pwned
  hardlink-outside   good + hard links to ../outside-target and to ARG (absolute)
  device             good + a char device dev/null and a block device dev/sda
  setuid             good + usr/bin/su mode 4755, usr/bin/wall 2755
  many               ARG (default 20000) small files in 100 directories
  longnames          names of 255 bytes, and a path of over 1000 bytes
  big                one file of ARG MiB (default 64) of incompressible bytes
"""
import bz2
import gzip
import io
import lzma
import os
import random
import sys
import tarfile

MTIME = 1700000000


def info(name, kind=tarfile.REGTYPE, mode=0o644, size=0, link=""):
    member = tarfile.TarInfo(name)
    member.type = kind
    member.mode = mode
    member.size = size
    member.linkname = link
    member.mtime = MTIME
    member.uid = member.gid = 0
    member.uname = member.gname = "root"
    return member


def add_dir(tar, name, mode=0o755):
    tar.addfile(info(name, tarfile.DIRTYPE, mode))


def add_file(tar, name, data, mode=0o644):
    data = data.encode() if isinstance(data, str) else data
    tar.addfile(info(name, size=len(data), mode=mode), io.BytesIO(data))


def good(tar):
    add_dir(tar, "./")
    for name in ["bin", "etc", "usr", "usr/bin", "usr/lib", "tmp"]:
        add_dir(tar, "./" + name)
    add_dir(tar, "./proc", 0o555)
    add_file(tar, "./etc/os-release", "NAME=dotslash-test\n")
    add_file(tar, "./etc/secret", "only root\n", 0o640)
    add_file(tar, "./usr/bin/tool", "#!/bin/sh\necho tool\n", 0o755)
    add_file(tar, "./usr/lib/group-writable", "x\n", 0o666)
    tar.addfile(info("./usr/bin/tool-link", tarfile.LNKTYPE, link="./usr/bin/tool"))
    tar.addfile(info("./bin/sh", tarfile.SYMTYPE, 0o777, link="../usr/bin/tool"))
    tar.addfile(info("./etc/alternative", tarfile.SYMTYPE, 0o777, link="/usr/bin/tool"))
    tar.addfile(info("./tmp/fifo", tarfile.FIFOTYPE, 0o644))


def many(tar, count):
    add_dir(tar, "./")
    for directory in range(100):
        add_dir(tar, "./d%02d" % directory)
    for index in range(count):
        add_file(tar, "./d%02d/f%05d" % (index % 100, index), "file %d\n" % index)


def longnames(tar):
    add_dir(tar, "./")
    add_file(tar, "./" + "a" * 255, "long name\n")
    deep = "./" + "/".join(["d%03d" % i + "x" * 96 for i in range(10)])
    parts = deep.split("/")
    for depth in range(2, len(parts) + 1):
        add_dir(tar, "/".join(parts[:depth]))
    add_file(tar, deep + "/" + "b" * 255, "deep\n")


def big(tar, mebibytes):
    add_dir(tar, "./")
    generator = random.Random(42)
    data = bytes(generator.getrandbits(8) for _ in range(1 << 20))
    size = mebibytes << 20
    member = info("./big.bin", size=size)

    class Repeat(io.RawIOBase):
        def __init__(self):
            self.left = size

        def readinto(self, buffer):
            count = min(len(buffer), self.left, len(data))
            buffer[:count] = data[:count]
            self.left -= count
            return count

        def readable(self):
            return True

    tar.addfile(member, io.BufferedReader(Repeat(), 1 << 20))


def build(case, tar, arg):
    if case == "good":
        good(tar)
    elif case == "dotdot":
        good(tar)
        add_file(tar, "../escape-dotdot", "escaped\n")
        add_file(tar, "a/../../escape-dotdot2", "escaped\n")
    elif case == "absolute":
        good(tar)
        add_file(tar, arg, "escaped\n")
    elif case == "symlink-write":
        good(tar)
        tar.addfile(info("evil", tarfile.SYMTYPE, 0o777, link=arg))
        add_file(tar, "evil/pwned", "escaped\n")
    elif case == "hardlink-outside":
        good(tar)
        tar.addfile(info("link-up", tarfile.LNKTYPE, link="../outside-target"))
        tar.addfile(info("link-abs", tarfile.LNKTYPE, link=arg))
    elif case == "device":
        good(tar)
        add_dir(tar, "./dev")
        null = info("./dev/null", tarfile.CHRTYPE, 0o666)
        null.devmajor, null.devminor = 1, 3
        tar.addfile(null)
        disk = info("./dev/sda", tarfile.BLKTYPE, 0o660)
        disk.devmajor, disk.devminor = 8, 0
        tar.addfile(disk)
    elif case == "setuid":
        good(tar)
        add_file(tar, "./usr/bin/su", "#!/bin/sh\n", 0o4755)
        add_file(tar, "./usr/bin/wall", "#!/bin/sh\n", 0o2755)
    elif case == "many":
        many(tar, int(arg or 20000))
    elif case == "longnames":
        longnames(tar)
    elif case == "big":
        big(tar, int(arg or 64))
    else:
        sys.exit("make-tarball.py: unknown case %s" % case)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    case, out = argv[1], argv[2]
    arg = argv[3] if len(argv) > 3 else None
    raw = out if out.endswith(".tar") else out + ".raw"
    with tarfile.open(raw, "w", format=tarfile.PAX_FORMAT) as tar:
        build(case, tar, arg)
    if raw == out:
        return
    compressors = {".gz": lambda d: gzip.compress(d, mtime=0), ".xz": lzma.compress, ".bz2": bz2.compress}
    compress = next((f for suffix, f in compressors.items() if out.endswith(suffix)), None)
    if compress is None:
        sys.exit("make-tarball.py: OUT must end in .tar, .tar.gz, .tar.xz or .tar.bz2")
    with open(raw, "rb") as source, open(out, "wb") as target:
        target.write(compress(source.read()))
    os.unlink(raw)


if __name__ == "__main__":
    main(sys.argv)
