import sys

s = sys.stdin.readline().strip()
out = []
i = 0
while i < len(s):
    j = i
    while j < len(s) and s[j] == s[i]:
        j += 1
    out.append(s[i])
    if j - i > 1:
        out.append(str(j - i))
    i = j
sys.stdout.write("".join(out) + "\n")
