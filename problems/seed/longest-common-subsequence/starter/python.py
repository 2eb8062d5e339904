import sys


def main():
    data = sys.stdin.read().split()
    # read strings a and b; print the length of their longest common subsequence (dynamic programming)


if __name__ == "__main__":
    main()
