foreach argument $argv {
    puts $argument
}
puts -nonewline [read stdin]
exit 3
