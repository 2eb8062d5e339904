#include <bits/stdc++.h>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    // read n, t and the n numbers; print the two 0-based positions i < j whose values sum to t
    return 0;
}
