use strict;
use warnings;

print "$_\n" for @ARGV;
print while <STDIN>;
exit 3;
