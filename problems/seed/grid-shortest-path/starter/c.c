#include <stdio.h>
#include <stdlib.h>

int main(void) {
    /* read R, C and the grid; breadth-first search from S and print the steps to E or -1 */
    return 0;
}
