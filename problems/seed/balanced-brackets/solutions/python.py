import sys

MATCH = {")": "(", "]": "[", "}": "{"}


def balanced(s):
    stack = []
    for c in s:
        if c in "([{":
            stack.append(c)
        elif not stack or stack.pop() != MATCH[c]:
            return False
    return not stack


lines = sys.stdin.read().split("\n")
t = int(lines[0])
print("\n".join("YES" if balanced(lines[1 + i].strip()) else "NO" for i in range(t)))
