import sys
from bisect import bisect_left, bisect_right

data = sys.stdin.buffer.read().split()
n, q = int(data[0]), int(data[1])
a = sorted(map(int, data[2:2 + n]))
out = []
p = 2 + n
for _ in range(q):
    l, r = int(data[p]), int(data[p + 1])
    p += 2
    out.append(str(max(0, bisect_right(a, r) - bisect_left(a, l))))
sys.stdout.write("\n".join(out) + "\n")
