import sys

for argument in sys.argv[1:]:
    print(argument)
sys.stdout.write(sys.stdin.read())
sys.exit(3)
