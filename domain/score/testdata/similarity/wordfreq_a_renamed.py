import sys
from collections import defaultdict


def split_words(s):
    result = []
    buf = []
    for c in s:
        if c.isalpha():
            buf.append(c.lower())
        else:
            if buf:
                result.append("".join(buf))
                buf = []
    if buf:
        result.append("".join(buf))
    return result


def tally(tokens):
    freq = defaultdict(int)
    for t in tokens:
        freq[t] += 1
    return freq


def best(freq, k):
    pairs = list(freq.items())
    pairs.sort(key=lambda p: (-p[1], p[0]))
    return pairs[:k]


def run():
    parts = sys.stdin.read().split("\n", 1)
    k = int(parts[0])
    body = parts[1] if len(parts) > 1 else ""
    for token, times in best(tally(split_words(body)), k):
        print(token, times)


run()
