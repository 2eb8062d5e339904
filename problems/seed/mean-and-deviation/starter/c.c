#include <stdio.h>
#include <stdlib.h>

int main(void) {
    /* read n and n real numbers; print the mean and the population standard deviation */
    return 0;
}
