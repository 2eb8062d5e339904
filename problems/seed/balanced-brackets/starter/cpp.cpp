#include <bits/stdc++.h>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    // read T, then T strings; print YES or NO for each depending on whether its brackets balance
    return 0;
}
