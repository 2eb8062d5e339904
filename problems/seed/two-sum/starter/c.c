#include <stdio.h>
#include <stdlib.h>

int main(void) {
    /* read n, t and the n numbers; print the two 0-based positions i < j whose values sum to t */
    return 0;
}
