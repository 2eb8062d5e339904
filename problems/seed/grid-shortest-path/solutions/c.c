#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    int R, C;
    if (scanf("%d %d", &R, &C) != 2) return 1;
    char *g = malloc((size_t)R * C + 1);
    int *dist = malloc(sizeof(int) * (size_t)R * C);
    int *queue = malloc(sizeof(int) * (size_t)R * C);
    char *row = malloc((size_t)C + 2);
    if (!g || !dist || !queue || !row) return 1;
    int start = -1, end = -1;
    for (int r = 0; r < R; r++) {
        if (scanf("%s", row) != 1) return 1;
        memcpy(g + (size_t)r * C, row, C);
    }
    for (int i = 0; i < R * C; i++) {
        dist[i] = -1;
        if (g[i] == 'S') start = i;
        if (g[i] == 'E') end = i;
    }
    int head = 0, tail = 0;
    dist[start] = 0;
    queue[tail++] = start;
    while (head < tail) {
        int v = queue[head++];
        if (v == end) break;
        int r = v / C, c = v % C;
        int next[4] = {r > 0 ? v - C : -1, r < R - 1 ? v + C : -1, c > 0 ? v - 1 : -1, c < C - 1 ? v + 1 : -1};
        for (int k = 0; k < 4; k++) {
            int u = next[k];
            if (u >= 0 && dist[u] < 0 && g[u] != '#') {
                dist[u] = dist[v] + 1;
                queue[tail++] = u;
            }
        }
    }
    printf("%d\n", dist[end]);
    return 0;
}
