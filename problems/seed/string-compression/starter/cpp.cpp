#include <bits/stdc++.h>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    // read one string and print its run-length encoding (runs of length 1 keep no count)
    return 0;
}
