#include <bits/stdc++.h>
using namespace std;

int main() {
    string a, b;
    cin >> a >> b;
    vector<int> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
    for (char x : a) {
        for (size_t j = 1; j <= b.size(); j++)
            cur[j] = x == b[j - 1] ? prev[j - 1] + 1 : max(cur[j - 1], prev[j]);
        swap(prev, cur);
    }
    cout << prev[b.size()] << "\n";
}
