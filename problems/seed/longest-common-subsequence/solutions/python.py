import sys

a, b = sys.stdin.read().split()[:2]
prev = [0] * (len(b) + 1)
for x in a:
    cur = [0] * (len(b) + 1)
    for j, y in enumerate(b, 1):
        if x == y:
            cur[j] = prev[j - 1] + 1
        else:
            cur[j] = cur[j - 1] if cur[j - 1] > prev[j] else prev[j]
    prev = cur
print(prev[-1])
