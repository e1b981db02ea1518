# awk reads the files named by its arguments; these are words to print,
# so each is taken out of ARGV and the main rule reads standard input.
BEGIN {
    for (i = 1; i < ARGC; i++) {
        print ARGV[i]
        delete ARGV[i]
    }
}
{ print }
END { exit 3 }
