import sys
from collections import deque

data = sys.stdin.read().split()
R, C = int(data[0]), int(data[1])
grid = "".join(data[2:2 + R])
start = grid.index("S")
end = grid.index("E")
dist = [-1] * (R * C)
dist[start] = 0
q = deque([start])
while q:
    v = q.popleft()
    if v == end:
        break
    r, c = divmod(v, C)
    for nv, okay in ((v - C, r > 0), (v + C, r < R - 1), (v - 1, c > 0), (v + 1, c < C - 1)):
        if okay and dist[nv] < 0 and grid[nv] != "#":
            dist[nv] = dist[v] + 1
            q.append(nv)
print(dist[end])
