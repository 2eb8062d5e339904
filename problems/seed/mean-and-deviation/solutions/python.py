import math
import sys

data = sys.stdin.read().split()
n = int(data[0])
xs = [float(v) for v in data[1:1 + n]]
mean = sum(xs) / n
var = sum((x - mean) ** 2 for x in xs) / n
print("%.9f %.9f" % (mean, math.sqrt(var)))
