#include <bits/stdc++.h>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    // read n and print 1..n with Fizz / Buzz / FizzBuzz substitutions
    return 0;
}
