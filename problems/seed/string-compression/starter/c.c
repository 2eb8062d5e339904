#include <stdio.h>
#include <stdlib.h>

int main(void) {
    /* read one string and print its run-length encoding (runs of length 1 keep no count) */
    return 0;
}
