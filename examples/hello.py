# ./hello.py: dotslash runs this file in a Python rootfs of its own (built by
# examples/demo.sh), not with any Python of this machine. There is no #! line:
# binfmt_misc picks the language by the file's extension.
import os
import platform
import sys

print(f"Hello from Python {platform.python_version()} ({sys.executable} in its rootfs)")
print(f"  arguments: {sys.argv[1:]}")
print(f"  running as uid {os.getuid()} in {os.getcwd()}")
with open("/proc/self/mountinfo") as mounts:
    root = next(line.split(" - ")[1].split()[0] for line in mounts if line.split()[4] == "/")
print(f"  the root filesystem is {root}: a throwaway layer over the rootfs")
