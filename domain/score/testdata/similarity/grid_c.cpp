#include <iostream>
#include <string>
#include <vector>
#include <deque>
#include <tuple>

struct Maze {
    std::vector<std::string> cells;
    int height() const { return (int)cells.size(); }
    int width() const { return cells.empty() ? 0 : (int)cells[0].size(); }
    bool open(int y, int x) const {
        return y >= 0 && x >= 0 && y < height() && x < width() && cells[y][x] != '#';
    }
    std::pair<int, int> find(char what) const {
        for (int y = 0; y < height(); ++y) {
            auto pos = cells[y].find(what);
            if (pos != std::string::npos) return {y, (int)pos};
        }
        return {-1, -1};
    }
};

int main() {
    int h, w;
    std::cin >> h >> w;
    Maze m;
    m.cells.resize(h);
    for (auto &row : m.cells) std::cin >> row;
    auto start = m.find('S');
    auto goal = m.find('T');
    std::vector<int> steps(h * w, -1);
    std::deque<std::tuple<int, int>> todo{{start.first, start.second}};
    steps[start.first * w + start.second] = 0;
    while (!todo.empty()) {
        auto [y, x] = todo.front();
        todo.pop_front();
        for (int turn = 0; turn < 4; ++turn) {
            int ny = y + (turn == 0) - (turn == 1);
            int nx = x + (turn == 2) - (turn == 3);
            if (m.open(ny, nx) && steps[ny * w + nx] == -1) {
                steps[ny * w + nx] = steps[y * w + x] + 1;
                todo.emplace_back(ny, nx);
            }
        }
    }
    std::cout << steps[goal.first * w + goal.second] << "\n";
}
