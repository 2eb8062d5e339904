import sys


class Histogram:
    def __init__(self):
        self.table = {}

    def add(self, word):
        if word in self.table:
            self.table[word] = self.table[word] + 1
        else:
            self.table[word] = 1

    def ranked(self):
        keys = sorted(self.table)
        keys.sort(key=self.table.get, reverse=True)
        return keys


lines = sys.stdin.readlines()
how_many = int(lines[0])
h = Histogram()
for line in lines[1:]:
    word = ""
    for letter in line + " ":
        if "a" <= letter.lower() <= "z":
            word += letter.lower()
        elif word:
            h.add(word)
            word = ""
shown = 0
for key in h.ranked():
    if shown == how_many:
        break
    print(key, h.table[key])
    shown += 1
