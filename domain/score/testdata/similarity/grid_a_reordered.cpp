#include <bits/stdc++.h>
using namespace std;

int rows, cols;
vector<string> grid;
int shortest(pair<int, int> from, pair<int, int> to);

int main() {
    cin >> rows >> cols;
    grid.resize(rows);
    pair<int, int> s, t;
    for (int r = 0; r < rows; r++) {
        cin >> grid[r];
        for (int c = 0; c < cols; c++) {
            if (grid[r][c] == 'S') s = {r, c};
            if (grid[r][c] == 'T') t = {r, c};
        }
    }
    cout << shortest(s, t) << endl;
    return 0;
}

bool inside(int r, int c) { return r >= 0 && r < rows && c >= 0 && c < cols; }

int shortest(pair<int, int> from, pair<int, int> to) {
    vector<vector<int>> dist(rows, vector<int>(cols, -1));
    queue<pair<int, int>> q;
    dist[from.first][from.second] = 0;
    q.push(from);
    int dr[4] = {1, -1, 0, 0};
    int dc[4] = {0, 0, 1, -1};
    while (!q.empty()) {
        auto [r, c] = q.front();
        q.pop();
        if (make_pair(r, c) == to) return dist[r][c];
        for (int k = 0; k < 4; k++) {
            int nr = r + dr[k], nc = c + dc[k];
            if (inside(nr, nc) && grid[nr][nc] != '#' && dist[nr][nc] < 0) {
                dist[nr][nc] = dist[r][c] + 1;
                q.push({nr, nc});
            }
        }
    }
    return -1;
}
