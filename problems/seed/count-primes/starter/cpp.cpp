#include <bits/stdc++.h>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    // read n and print the number of primes <= n (sieve of Eratosthenes)
    return 0;
}
