#include <stdio.h>
#include <stdlib.h>

int main(void) {
    /* read T, then T strings; print YES or NO for each depending on whether its brackets balance */
    return 0;
}
