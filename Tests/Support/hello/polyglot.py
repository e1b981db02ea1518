import os
import subprocess
import sys

# Python's rootfs has no Lisp and no awk: each ./ path below goes through
# binfmt_misc again, from inside this container, into a container of its own.
print("clisp in python's rootfs:", os.path.exists("/usr/bin/clisp"))
for script in ("./hello.lisp", "./hello.awk"):
    child = subprocess.run([script, "from python", script], input="piped by python\n",
                           capture_output=True, text=True)
    print(script, "exited", child.returncode, "and said:")
    sys.stdout.write(child.stdout)
    sys.stdout.write(child.stderr)
sys.exit(5)
