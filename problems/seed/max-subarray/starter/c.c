#include <stdio.h>
#include <stdlib.h>

int main(void) {
    /* read n and n integers; print the largest contiguous subarray sum (use 64-bit integers) */
    return 0;
}
