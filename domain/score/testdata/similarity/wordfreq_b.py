import re
import sys
from collections import Counter

first, _, rest = sys.stdin.read().partition("\n")
limit = int(first.strip())
words = re.findall(r"[a-z]+", rest.lower())
ranking = sorted(Counter(words).items(), key=lambda item: (-item[1], item[0]))
print("\n".join(f"{w} {c}" for w, c in ranking[:limit]))
