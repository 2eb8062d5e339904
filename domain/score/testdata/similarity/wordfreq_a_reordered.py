import sys
from collections import defaultdict


def top_n(counts, n):
    items = list(counts.items())
    items.sort(key=lambda kv: (-kv[1], kv[0]))
    return items[:n]


def main():
    data = sys.stdin.read().split("\n", 1)
    n = int(data[0])
    text = data[1] if len(data) > 1 else ""
    for word, count in top_n(count_words(tokenize(text)), n):
        print(word, count)


def count_words(words):
    counts = defaultdict(int)
    for w in words:
        counts[w] += 1
    return counts


def tokenize(text):
    words = []
    current = []
    for ch in text:
        if ch.isalpha():
            current.append(ch.lower())
        else:
            if current:
                words.append("".join(current))
                current = []
    if current:
        words.append("".join(current))
    return words


main()
