#include <bits/stdc++.h>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    // read n and n integers; print the largest contiguous subarray sum (use 64-bit integers)
    return 0;
}
