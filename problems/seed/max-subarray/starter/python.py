import sys


def main():
    data = sys.stdin.read().split()
    # read n and n integers; print the largest contiguous subarray sum (use 64-bit integers)


if __name__ == "__main__":
    main()
