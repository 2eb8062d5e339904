import sys


def main():
    data = sys.stdin.read().split()
    # read n, q, the n values and q queries l r; print for each query how many values lie in [l, r]


if __name__ == "__main__":
    main()
