import sys

words = sys.stdin.readline().split()
print(" ".join(words[::-1]))
