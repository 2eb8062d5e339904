#include <bits/stdc++.h>
using namespace std;

int H, W;
vector<string> board;

bool ok(int y, int x) { return y >= 0 && y < H && x >= 0 && x < W; }

int bfs(pair<int, int> src, pair<int, int> dst) {
    vector<vector<int>> d(H, vector<int>(W, -1));
    queue<pair<int, int>> frontier;
    d[src.first][src.second] = 0;
    frontier.push(src);
    int dy[4] = {1, -1, 0, 0};
    int dx[4] = {0, 0, 1, -1};
    while (!frontier.empty()) {
        auto [y, x] = frontier.front();
        frontier.pop();
        if (make_pair(y, x) == dst) return d[y][x];
        for (int i = 0; i < 4; i++) {
            int ny = y + dy[i], nx = x + dx[i];
            if (ok(ny, nx) && board[ny][nx] != '#' && d[ny][nx] < 0) {
                d[ny][nx] = d[y][x] + 1;
                frontier.push({ny, nx});
            }
        }
    }
    return -1;
}

int main() {
    cin >> H >> W;
    board.resize(H);
    pair<int, int> a, b;
    for (int y = 0; y < H; y++) {
        cin >> board[y];
        for (int x = 0; x < W; x++) {
            if (board[y][x] == 'S') a = {y, x};
            if (board[y][x] == 'T') b = {y, x};
        }
    }
    cout << bfs(a, b) << endl;
    return 0;
}
