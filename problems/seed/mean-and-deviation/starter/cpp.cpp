#include <bits/stdc++.h>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    // read n and n real numbers; print the mean and the population standard deviation
    return 0;
}
