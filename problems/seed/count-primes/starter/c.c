#include <stdio.h>
#include <stdlib.h>

int main(void) {
    /* read n and print the number of primes <= n (sieve of Eratosthenes) */
    return 0;
}
