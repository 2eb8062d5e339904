#include <stdio.h>
#include <stdlib.h>

int main(void) {
    /* read strings a and b; print the length of their longest common subsequence (dynamic programming) */
    return 0;
}
