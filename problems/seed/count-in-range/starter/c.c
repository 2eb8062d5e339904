#include <stdio.h>
#include <stdlib.h>

int main(void) {
    /* read n, q, the n values and q queries l r; print for each query how many values lie in [l, r] */
    return 0;
}
