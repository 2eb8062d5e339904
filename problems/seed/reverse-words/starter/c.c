#include <stdio.h>
#include <stdlib.h>

int main(void) {
    /* read one line and print its whitespace-separated words in reverse order */
    return 0;
}
