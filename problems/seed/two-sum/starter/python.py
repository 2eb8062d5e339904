import sys


def main():
    data = sys.stdin.read().split()
    # read n, t and the n numbers; print the two 0-based positions i < j whose values sum to t


if __name__ == "__main__":
    main()
