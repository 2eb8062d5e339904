#!/usr/bin/env python3
"""Regenerates problems/seed/<slug>/{problem.json,statement.md,tests,starter}.

Expected outputs are computed here by straightforward (often brute-force)
code that is independent of the reference solutions in
problems/seed/<slug>/solutions/; the Go test runs those solutions through the
judge, so the two implementations check each other.

Deterministic: every problem uses its own seeded RNG. Run from the repo root:
    python3 problems/tools/genseed.py
"""
import json
import math
import os
import random
import shutil
from collections import deque

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "seed")

STARTERS = {
    "python": ("py", '''import sys


def main():
    data = sys.stdin.read().split()
    # {hint}


if __name__ == "__main__":
    main()
'''),
    "javascript": ("js", '''const data = require("fs").readFileSync(0, "utf8").split(/\\s+/).filter(Boolean);
// {hint}
'''),
    # .go.txt: a .go file under problems/ would make the seed directory a Go
    # package and break `go build ./...`.
    "go": ("go.txt", '''package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	in := bufio.NewReader(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	// {hint}
	_, _ = in, fmt.Fprint
}
'''),
    "c": ("c", '''#include <stdio.h>
#include <stdlib.h>

int main(void) {
    /* {hint} */
    return 0;
}
'''),
    "cpp": ("cpp", '''#include <bits/stdc++.h>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    // {hint}
    return 0;
}
'''),
    "java": ("java", '''import java.io.*;
import java.util.*;

public class Main {
    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        // {hint}
    }
}
'''),
}


def write_problem(meta, statement, tests, hint):
    slug = meta["slug"]
    d = os.path.join(ROOT, slug)
    for sub in ("tests", "starter"):
        shutil.rmtree(os.path.join(d, sub), ignore_errors=True)
    os.makedirs(os.path.join(d, "tests"), exist_ok=True)
    os.makedirs(os.path.join(d, "starter"), exist_ok=True)
    with open(os.path.join(d, "problem.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    with open(os.path.join(d, "statement.md"), "w") as f:
        f.write(statement.strip() + "\n")
    assert len(tests) >= 5, slug
    for i, (name, inp, out) in enumerate(tests, 1):
        base = os.path.join(d, "tests", "%02d-%s" % (i, name))
        with open(base + ".in", "w") as f:
            f.write(inp)
        with open(base + ".out", "w") as f:
            f.write(out)
    for lang, (ext, tmpl) in STARTERS.items():
        with open(os.path.join(d, "starter", lang + "." + ext), "w") as f:
            f.write(tmpl.replace("{hint}", hint))


def ex(inp, out, explanation=""):
    e = {"input": inp, "output": out}
    if explanation:
        e["explanation"] = explanation
    return e


def meta(slug, title, difficulty, examples, time_ms=2000, mem_kb=262144, comparison=None):
    return {
        "slug": slug,
        "title": title,
        "difficulty": difficulty,
        "time_limit_ms": time_ms,
        "memory_limit_kb": mem_kb,
        "comparison": comparison or {"mode": "trailing_whitespace"},
        "examples": examples,
    }


# --- two-sum ---------------------------------------------------------------
def two_sum():
    rng = random.Random("two-sum")

    def make(nums, target):
        return "%d %d\n%s\n" % (len(nums), target, " ".join(map(str, nums)))

    def answer(nums, target):
        seen = {}
        found = []
        for j, x in enumerate(nums):
            if target - x in seen:
                for i in seen[target - x]:
                    found.append((i, j))
            seen.setdefault(x, []).append(j)
        assert len(found) == 1, (found[:3], len(nums))
        return "%d %d\n" % found[0]

    def gen(n, lo, hi):
        while True:
            nums = rng.sample(range(lo, hi), n)
            # make every pair sum odd except the planted one: use only even
            # numbers, then plant one odd pair.
            nums = [2 * x for x in nums]
            i, j = sorted(rng.sample(range(n), 2))
            nums[i] += 1
            nums[j] += 0
            target = nums[i] + nums[j]
            try:
                return make(nums, target), answer(nums, target)
            except AssertionError:
                continue

    tests = []
    for name, nums, target in [
        ("smallest", [1, 2], 3),
        ("negatives", [-3, 4, 3, 90], 0),
        ("duplicates", [3, 3], 6),
        ("zero-target", [0, 4, 3, 0], 0),
        ("last-pair", [5, 1, 7, 2, 9, 11], 20),
    ]:
        tests.append((name, make(nums, target), answer(nums, target)))
    inp, out = gen(20, -50, 50)
    tests.append(("random-small", inp, out))
    inp, out = gen(100000, -10**9 // 2, 10**9 // 2)
    tests.append(("large", inp, out))
    statement = r"""
# Two Sum

Given an array of `n` integers and a target `t`, find the two positions
`i < j` (0-based) such that `a[i] + a[j] = t`. Exactly one such pair exists.

## Input
The first line holds `n` and `t`. The second line holds `a[0] … a[n-1]`.

## Output
Print `i j` on one line.

## Constraints
- 2 ≤ n ≤ 100 000
- −10⁹ ≤ a[i] ≤ 10⁹, |t| ≤ 2·10⁹
- Exactly one pair sums to `t`.
"""
    m = meta("two-sum", "Two Sum", "easy", [
        ex("4 9\n2 7 11 15\n", "0 1\n", "a[0] + a[1] = 2 + 7 = 9"),
        ex("3 6\n3 2 4\n", "1 2\n"),
    ])
    write_problem(m, statement, tests, "read n, t and the n numbers; print the two 0-based positions i < j whose values sum to t")


# --- fizzbuzz --------------------------------------------------------------
def fizzbuzz():
    def answer(n):
        out = []
        for i in range(1, n + 1):
            s = ("Fizz" if i % 3 == 0 else "") + ("Buzz" if i % 5 == 0 else "")
            out.append(s or str(i))
        return "\n".join(out) + "\n"

    tests = [(name, "%d\n" % n, answer(n)) for name, n in [
        ("one", 1), ("three", 3), ("five", 5), ("fifteen", 15), ("thirty-one", 31), ("large", 100000)]]
    statement = r"""
# FizzBuzz

Print the numbers from 1 to `n`, one per line, but print `Fizz` instead of
multiples of 3, `Buzz` instead of multiples of 5 and `FizzBuzz` instead of
multiples of both.

## Input
One integer `n`.

## Output
`n` lines as described.

## Constraints
- 1 ≤ n ≤ 100 000
"""
    m = meta("fizzbuzz", "FizzBuzz", "easy", [ex("5\n", "1\n2\nFizz\n4\nBuzz\n")], time_ms=1000)
    write_problem(m, statement, tests, "read n and print 1..n with Fizz / Buzz / FizzBuzz substitutions")


# --- reverse-words ---------------------------------------------------------
def reverse_words():
    rng = random.Random("reverse-words")

    def answer(line):
        return " ".join(reversed(line.split())) + "\n"

    words = ["alpha", "beta", "gamma", "delta", "hire", "bus", "go", "x", "queue", "z9", "Hello,", "world!"]
    big = " ".join(rng.choice(words) for _ in range(50000))
    cases = [
        ("single-word", "hello\n"),
        ("two-words", "hello world\n"),
        ("extra-spaces", "   the  sky   is blue   \n"),
        ("punctuation", "Hello, world! How are you?\n"),
        ("no-newline", "a b c"),
        ("tabs", "one\ttwo  three\n"),
        ("large", big + "\n"),
    ]
    tests = [(name, inp, answer(inp)) for name, inp in cases]
    statement = r"""
# Reverse Words

Given one line of text, print its words in reverse order separated by single
spaces. A word is a maximal run of non-whitespace characters; leading,
trailing and repeated whitespace is dropped.

## Input
One line of at most 10⁶ characters containing at least one word.

## Output
The words in reverse order, separated by one space.
"""
    m = meta("reverse-words", "Reverse Words", "easy", [
        ex("the sky is blue\n", "blue is sky the\n"),
        ex("  hello   world  \n", "world hello\n", "Extra spaces disappear."),
    ], time_ms=1000)
    write_problem(m, statement, tests, "read one line and print its whitespace-separated words in reverse order")


# --- balanced-brackets -----------------------------------------------------
def balanced_brackets():
    rng = random.Random("balanced-brackets")
    pairs = {")": "(", "]": "[", "}": "{"}

    def ok(s):
        st = []
        for c in s:
            if c in "([{":
                st.append(c)
            elif not st or st.pop() != pairs[c]:
                return False
        return not st

    def balanced(n):
        # random balanced string of n pairs
        out, st = [], []
        opens = n
        while opens or st:
            if opens and (not st or rng.random() < 0.5):
                c = rng.choice("([{")
                st.append(c)
                out.append(c)
                opens -= 1
            else:
                out.append({"(": ")", "[": "]", "{": "}"}[st.pop()])
        return "".join(out)

    def make(lines):
        inp = "%d\n%s\n" % (len(lines), "\n".join(lines))
        out = "".join("YES\n" if ok(s) else "NO\n" for s in lines)
        return inp, out

    tests = []
    for name, lines in [
        ("single-pair", ["()"]),
        ("lone-closer", [")"]),
        ("lone-opener", ["("]),
        ("crossed", ["([)]", "([])", "{[()()]}"]),
        ("mixed", ["{}", "}{", "(((", ")))", "[]{}()", "[(])", "((()))[]"]),
    ]:
        tests.append((name,) + make(lines))
    lines = []
    for _ in range(200):
        s = balanced(rng.randint(1, 30))
        if rng.random() < 0.5:
            i = rng.randrange(len(s))
            s = s[:i] + rng.choice("()[]{}") + s[i + 1:]
        lines.append(s)
    tests.append(("random",) + make(lines))
    deep = balanced(100000)
    deep2 = "(" * 100000 + ")" * 99999 + "]"
    tests.append(("large",) + make([deep, deep2]))
    statement = r"""
# Balanced Brackets

For each string of the characters `()[]{}`, decide whether its brackets are
balanced: every opening bracket is closed by the matching kind, in the right
order.

## Input
The first line holds `T`, the number of strings. Each of the next `T` lines
holds one non-empty string.

## Output
For each string print `YES` if it is balanced and `NO` otherwise.

## Constraints
- 1 ≤ T ≤ 1000
- The total length of all strings is at most 500 000.
"""
    m = meta("balanced-brackets", "Balanced Brackets", "easy", [
        ex("3\n([]{})\n([)]\n((\n", "YES\nNO\nNO\n"),
    ])
    write_problem(m, statement, tests, "read T, then T strings; print YES or NO for each depending on whether its brackets balance")


# --- max-subarray ----------------------------------------------------------
def max_subarray():
    rng = random.Random("max-subarray")

    def brute(a):
        best = a[0]
        for i in range(len(a)):
            s = 0
            for j in range(i, len(a)):
                s += a[j]
                best = max(best, s)
        return best

    def kadane_free(a):
        # prefix-sum formulation, different from the usual Kadane loop
        best, lo, p = a[0], 0, 0
        for x in a:
            p += x
            best = max(best, p - lo)
            lo = min(lo, p)
        return best

    def make(a, exact=True):
        r = brute(a) if exact else kadane_free(a)
        if exact:
            assert r == kadane_free(a)
        return "%d\n%s\n" % (len(a), " ".join(map(str, a))), "%d\n" % r

    tests = []
    for name, a in [
        ("single-negative", [-5]),
        ("all-negative", [-8, -3, -6, -2, -5, -4]),
        ("classic", [-2, 1, -3, 4, -1, 2, 1, -5, 4]),
        ("all-positive", [1, 2, 3, 4, 5]),
        ("zeros", [0, 0, 0]),
    ]:
        tests.append((name,) + make(a))
    tests.append(("random-small",) + make([rng.randint(-100, 100) for _ in range(300)]))
    big = [rng.randint(-10**9, 10**9) for _ in range(100000)]
    big[40000:40100] = [10**9] * 100  # force a sum beyond 32 bits
    tests.append(("large-64bit",) + make(big, exact=False))
    statement = r"""
# Maximum Subarray

Given `n` integers, print the largest sum of a non-empty contiguous
subarray.

## Input
The first line holds `n`; the second line holds the `n` integers.

## Output
One integer: the maximum subarray sum.

## Constraints
- 1 ≤ n ≤ 100 000
- |a[i]| ≤ 10⁹ (the answer may not fit in 32 bits)
"""
    m = meta("max-subarray", "Maximum Subarray", "medium", [
        ex("9\n-2 1 -3 4 -1 2 1 -5 4\n", "6\n", "The subarray 4 −1 2 1 sums to 6."),
        ex("3\n-3 -1 -2\n", "-1\n"),
    ])
    write_problem(m, statement, tests, "read n and n integers; print the largest contiguous subarray sum (use 64-bit integers)")


# --- count-in-range --------------------------------------------------------
def count_in_range():
    rng = random.Random("count-in-range")
    import bisect

    def make(a, queries, brute=True):
        s = sorted(a)
        out = []
        for l, r in queries:
            if brute:
                out.append(sum(1 for x in a if l <= x <= r))
            else:
                out.append(max(0, bisect.bisect_right(s, r) - bisect.bisect_left(s, l)))
        inp = "%d %d\n%s\n%s\n" % (len(a), len(queries), " ".join(map(str, a)),
                                   "\n".join("%d %d" % q for q in queries))
        return inp, "\n".join(map(str, out)) + "\n"

    tests = []
    tests.append(("single",) + make([5], [(5, 5), (1, 4), (6, 9)]))
    tests.append(("duplicates",) + make([2, 2, 2, 2], [(2, 2), (1, 3), (3, 3)]))
    tests.append(("empty-range",) + make([1, 5, 9], [(6, 4), (2, 4)]))
    tests.append(("extremes",) + make([-10**9, 0, 10**9], [(-10**9, 10**9), (-10**9, -10**9), (10**9, 10**9)]))
    a = [rng.randint(-1000, 1000) for _ in range(500)]
    q = [tuple(sorted((rng.randint(-1100, 1100), rng.randint(-1100, 1100)))) for _ in range(500)]
    tests.append(("random-small",) + make(a, q))
    a = [rng.randint(-10**9, 10**9) for _ in range(30000)]
    q = []
    for _ in range(30000):
        l, r = sorted((rng.randint(-10**9, 10**9), rng.randint(-10**9, 10**9)))
        q.append((l, r))
    tests.append(("large",) + make(a, q, brute=False))
    statement = r"""
# Count in Range

You are given `n` integers (not sorted) and `q` queries. For each query
`l r`, print how many of the integers `x` satisfy `l ≤ x ≤ r`. A query with
`l > r` has the answer 0.

## Input
The first line holds `n` and `q`. The second line holds the `n` integers.
Each of the next `q` lines holds one query `l r`.

## Output
`q` lines, one answer per query.

## Constraints
- 1 ≤ n, q ≤ 100 000
- −10⁹ ≤ values, l, r ≤ 10⁹

A linear scan per query is too slow for the largest tests: sort once and use
binary search.
"""
    m = meta("count-in-range", "Count in Range", "medium", [
        ex("5 3\n7 1 3 9 3\n3 7\n10 20\n1 9\n", "3\n0\n5\n"),
    ])
    write_problem(m, statement, tests, "read n, q, the n values and q queries l r; print for each query how many values lie in [l, r]")


# --- grid-shortest-path ----------------------------------------------------
def grid_shortest_path():
    rng = random.Random("grid-shortest-path")

    def bfs(grid):
        R, C = len(grid), len(grid[0])
        for i in range(R):
            for j in range(C):
                if grid[i][j] == "S":
                    s = (i, j)
        dist = {s: 0}
        dq = deque([s])
        while dq:
            i, j = dq.popleft()
            if grid[i][j] == "E":
                return dist[(i, j)]
            for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                ni, nj = i + di, j + dj
                if 0 <= ni < R and 0 <= nj < C and grid[ni][nj] != "#" and (ni, nj) not in dist:
                    dist[(ni, nj)] = dist[(i, j)] + 1
                    dq.append((ni, nj))
        return -1

    def make(grid):
        return "%d %d\n%s\n" % (len(grid), len(grid[0]), "\n".join(grid)), "%d\n" % bfs(grid)

    def rand_grid(R, C, p):
        g = [["#" if rng.random() < p else "." for _ in range(C)] for _ in range(R)]
        g[0][0] = "S"
        g[R - 1][C - 1] = "E"
        return ["".join(r) for r in g]

    def serpentine(R, C):
        g = [["." for _ in range(C)] for _ in range(R)]
        for i in range(1, R, 2):
            for j in range(C):
                g[i][j] = "#"
            g[i][C - 1 if (i // 2) % 2 == 0 else 0] = "."
        g[0][0] = "S"
        g[R - 1][C - 1 if ((R - 1) // 2) % 2 == 0 else 0] = "E"
        return ["".join(r) for r in g]

    tests = [
        ("adjacent",) + make(["SE"]),
        ("blocked",) + make(["S#E"]),
        ("walled-in",) + make(["S.#", "###", "#.E"]),
        ("detour",) + make(["S#...", ".#.#.", "...#E"]),
        ("single-column",) + make(["S", ".", ".", "E"]),
    ]
    for R, C, p in ((8, 12, 0.25), (15, 15, 0.35)):
        tests.append(("random-%dx%d" % (R, C),) + make(rand_grid(R, C, p)))
    tests.append(("large-serpentine",) + make(serpentine(499, 500)))
    statement = r"""
# Shortest Path in a Grid

A grid of `R` rows and `C` columns contains free cells `.`, walls `#`, one
start `S` and one exit `E`. In one step you move up, down, left or right to a
cell that is not a wall. Print the minimum number of steps from `S` to `E`,
or `-1` if the exit cannot be reached.

## Input
The first line holds `R` and `C`; the next `R` lines hold the grid.

## Output
One integer.

## Constraints
- 1 ≤ R, C ≤ 1000, R·C ≥ 2
- Exactly one `S` and one `E`.
"""
    m = meta("grid-shortest-path", "Shortest Path in a Grid", "medium", [
        ex("3 4\nS..#\n.#..\n...E\n", "5\n"),
        ex("1 3\nS#E\n", "-1\n", "The wall blocks the only way."),
    ])
    write_problem(m, statement, tests, "read R, C and the grid; breadth-first search from S and print the steps to E or -1")


# --- count-primes ----------------------------------------------------------
def count_primes():
    def is_prime(k):
        if k < 2:
            return False
        i = 2
        while i * i <= k:
            if k % i == 0:
                return False
            i += 1
        return True

    def by_trial(n):
        return sum(1 for k in range(n + 1) if is_prime(k))

    # Known values of pi(n) for the big cases (pi(10^6) = 78498,
    # pi(5*10^6) = 348513), checked against a sieve below.
    def sieve(n):
        if n < 2:
            return 0
        s = bytearray([1]) * (n + 1)
        s[0] = s[1] = 0
        for i in range(2, int(n ** 0.5) + 1):
            if s[i]:
                s[i * i::i] = bytearray(len(range(i * i, n + 1, i)))
        return sum(s)

    assert sieve(10**6) == 78498 and sieve(5 * 10**6) == 348513
    tests = []
    for name, n in (("zero", 0), ("one", 1), ("two", 2), ("ten", 10), ("prime-bound", 97), ("thousand", 1000)):
        c = by_trial(n)
        assert c == sieve(n)
        tests.append((name, "%d\n" % n, "%d\n" % c))
    tests.append(("million", "1000000\n", "78498\n"))
    tests.append(("large", "5000000\n", "348513\n"))
    statement = r"""
# Count Primes

Print how many prime numbers are less than or equal to `n`.

## Input
One integer `n`.

## Output
One integer.

## Constraints
- 0 ≤ n ≤ 5 000 000

Trial division of every number is too slow for the largest tests; use the
sieve of Eratosthenes.
"""
    m = meta("count-primes", "Count Primes", "easy", [
        ex("10\n", "4\n", "2, 3, 5 and 7."),
        ex("1\n", "0\n"),
    ])
    write_problem(m, statement, tests, "read n and print the number of primes <= n (sieve of Eratosthenes)")


# --- longest-common-subsequence --------------------------------------------
def lcs():
    rng = random.Random("longest-common-subsequence")

    def lcs_len(a, b):
        # bit-parallel LCS (Allison-Dix), independent of the DP solutions
        masks = {}
        for i, c in enumerate(a):
            masks[c] = masks.get(c, 0) | (1 << i)
        v = 0
        for c in b:
            m = masks.get(c, 0)
            x = m | v
            y = (v << 1) | 1
            v = x & ~(x - y)
            # v holds the positions where the LCS row increments
        return bin(v).count("1")

    def dp(a, b):
        prev = [0] * (len(b) + 1)
        for x in a:
            cur = [0]
            for j, y in enumerate(b):
                cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
            prev = cur
        return prev[-1]

    def make(a, b):
        r = lcs_len(a, b)
        if len(a) * len(b) <= 10**6:
            assert r == dp(a, b), (a, b)
        return "%s\n%s\n" % (a, b), "%d\n" % r

    def rs(n, alphabet):
        return "".join(rng.choice(alphabet) for _ in range(n))

    tests = [
        ("identical",) + make("abc", "abc"),
        ("disjoint",) + make("abc", "xyz"),
        ("single-chars",) + make("a", "a"),
        ("classic",) + make("ABCBDAB", "BDCABA"),
        ("one-inside-other",) + make("xaxbxcx", "abc"),
        ("random-small",) + make(rs(60, "ACGT"), rs(80, "ACGT")),
        ("large",) + make(rs(1000, "ACGT"), rs(1000, "ACGT")),
        ("large-long-alphabet",) + make(rs(1000, "abcdefghijklmnopqrstuvwxyz"), rs(900, "abcdefghijklmnopqrstuvwxyz")),
    ]
    statement = r"""
# Longest Common Subsequence

Given two strings `a` and `b`, print the length of their longest common
subsequence: the longest string that can be obtained from both by deleting
characters without reordering the rest.

## Input
Two lines: `a` and `b`, each made of printable ASCII characters without
spaces.

## Output
One integer.

## Constraints
- 1 ≤ |a|, |b| ≤ 1000
"""
    m = meta("longest-common-subsequence", "Longest Common Subsequence", "medium", [
        ex("ABCBDAB\nBDCABA\n", "4\n", "BCBA is one longest common subsequence."),
        ex("abc\ndef\n", "0\n"),
    ], time_ms=3000)
    write_problem(m, statement, tests, "read strings a and b; print the length of their longest common subsequence (dynamic programming)")


# --- mean-and-deviation (float tolerance) ----------------------------------
def mean_and_deviation():
    rng = random.Random("mean-and-deviation")

    def make(xs):
        n = len(xs)
        mean = math.fsum(xs) / n
        sd = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / n)
        return "%d\n%s\n" % (n, " ".join(repr(x) if isinstance(x, float) else str(x) for x in xs)), \
            "%.9f %.9f\n" % (mean, sd)

    tests = [
        ("single",) + make([42]),
        ("equal",) + make([7, 7, 7, 7]),
        ("two",) + make([1, 2]),
        ("thirds",) + make([1, 1, 2]),
        ("negatives",) + make([-1.5, 2.25, -3.75, 0.0]),
        ("random",) + make([round(rng.uniform(-1000, 1000), 3) for _ in range(100)]),
        ("large",) + make([round(rng.uniform(-1e6, 1e6), 2) for _ in range(100000)]),
    ]
    statement = r"""
# Mean and Standard Deviation

Given `n` real numbers, print their arithmetic mean and their population
standard deviation √(Σ(xᵢ − mean)² / n).

## Input
The first line holds `n`; the second line holds the numbers.

## Output
Two numbers separated by a space. Answers within an absolute or relative
error of 10⁻⁶ are accepted, so print at least 7 significant digits.

## Constraints
- 1 ≤ n ≤ 100 000
- |xᵢ| ≤ 10⁶
"""
    m = meta("mean-and-deviation", "Mean and Standard Deviation", "easy", [
        ex("3\n1 1 2\n", "1.333333333 0.471404521\n"),
        ex("2\n1 2\n", "1.5 0.5\n", "Any output within 10⁻⁶ is accepted."),
    ], comparison={"mode": "float", "abs_epsilon": 1e-6, "rel_epsilon": 1e-6})
    write_problem(m, statement, tests, "read n and n real numbers; print the mean and the population standard deviation")


# --- string-compression ----------------------------------------------------
def string_compression():
    rng = random.Random("string-compression")

    def rle(s):
        out = []
        i = 0
        while i < len(s):
            j = i
            while j < len(s) and s[j] == s[i]:
                j += 1
            out.append(s[i] + (str(j - i) if j - i > 1 else ""))
            i = j
        return "".join(out)

    def make(s):
        return s + "\n", rle(s) + "\n"

    runs = []
    for _ in range(20000):
        runs.append(rng.choice("abcxyz") * rng.choice([1, 1, 2, 3, 12, 150]))
    big = "".join(runs)
    tests = [
        ("single",) + make("a"),
        ("no-runs",) + make("abc"),
        ("one-run",) + make("zzzzzzzzzzzz"),
        ("classic",) + make("aaabccdddd"),
        ("alternating",) + make("ababab"),
        ("case-sensitive",) + make("aAAaa"),
        ("large",) + make(big),
    ]
    statement = r"""
# String Compression

Compress a string by replacing every run of a repeated character with the
character followed by the run length. Runs of length 1 are written as the
character alone.

## Input
One line: a non-empty string of letters.

## Output
The compressed string.

## Constraints
- 1 ≤ length ≤ 10⁶
"""
    m = meta("string-compression", "String Compression", "easy", [
        ex("aaabccdddd\n", "a3bc2d4\n"),
        ex("abc\n", "abc\n", "No run is longer than 1."),
    ], comparison={"mode": "exact"})
    write_problem(m, statement, tests, "read one string and print its run-length encoding (runs of length 1 keep no count)")


if __name__ == "__main__":
    for f in (two_sum, fizzbuzz, reverse_words, balanced_brackets, max_subarray, count_in_range,
              grid_shortest_path, count_primes, lcs, mean_and_deviation, string_compression):
        f()
        print("generated", f.__name__)
