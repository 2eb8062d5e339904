#include <bits/stdc++.h>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    // read n, q, the n values and q queries l r; print for each query how many values lie in [l, r]
    return 0;
}
