#include <bits/stdc++.h>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    // read one line and print its whitespace-separated words in reverse order
    return 0;
}
