#include <bits/stdc++.h>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    // read R, C and the grid; breadth-first search from S and print the steps to E or -1
    return 0;
}
