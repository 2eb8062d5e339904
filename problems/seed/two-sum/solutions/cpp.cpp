#include <bits/stdc++.h>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    long long n, t;
    cin >> n >> t;
    unordered_map<long long, long long> seen;
    seen.reserve(n * 2);
    for (long long j = 0; j < n; j++) {
        long long x;
        cin >> x;
        auto it = seen.find(t - x);
        if (it != seen.end()) {
            cout << it->second << ' ' << j << '\n';
            return 0;
        }
        seen.emplace(x, j);
    }
    return 0;
}
