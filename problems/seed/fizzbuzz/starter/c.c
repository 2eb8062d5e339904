#include <stdio.h>
#include <stdlib.h>

int main(void) {
    /* read n and print 1..n with Fizz / Buzz / FizzBuzz substitutions */
    return 0;
}
