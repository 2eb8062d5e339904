#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    int n;
    if (scanf("%d", &n) != 1) return 1;
    double *x = malloc(sizeof(double) * n);
    if (!x) return 1;
    double sum = 0;
    for (int i = 0; i < n; i++) {
        if (scanf("%lf", &x[i]) != 1) return 1;
        sum += x[i];
    }
    double mean = sum / n, sq = 0;
    for (int i = 0; i < n; i++) sq += (x[i] - mean) * (x[i] - mean);
    printf("%.6f %.6f\n", mean, sqrt(sq / n));
    return 0;
}
