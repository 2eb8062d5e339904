#include <cstdio>
#include <cstring>

char g[1005][1005];
int seen[1005][1005];
int qy[1000005], qx[1000005];

int main() {
    int h, w;
    if (scanf("%d %d", &h, &w) != 2) return 0;
    int sy = 0, sx = 0;
    for (int i = 0; i < h; ++i) {
        scanf("%s", g[i]);
        for (int j = 0; j < w; ++j)
            if (g[i][j] == 'S') { sy = i; sx = j; }
    }
    memset(seen, 0, sizeof seen);
    int head = 0, tail = 0;
    qy[tail] = sy; qx[tail] = sx; tail++;
    seen[sy][sx] = 1;
    const int moves[4][2] = {{0, 1}, {1, 0}, {0, -1}, {-1, 0}};
    while (head < tail) {
        int y = qy[head], x = qx[head]; head++;
        if (g[y][x] == 'T') { printf("%d\n", seen[y][x] - 1); return 0; }
        for (const auto &m : moves) {
            int yy = y + m[0], xx = x + m[1];
            if (yy < 0 || xx < 0 || yy >= h || xx >= w) continue;
            if (g[yy][xx] == '#' || seen[yy][xx]) continue;
            seen[yy][xx] = seen[y][x] + 1;
            qy[tail] = yy; qx[tail] = xx; tail++;
        }
    }
    puts("-1");
}
