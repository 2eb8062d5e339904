#include <bits/stdc++.h>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    // read strings a and b; print the length of their longest common subsequence (dynamic programming)
    return 0;
}
