import sys


def main():
    data = sys.stdin.read().split()
    # read R, C and the grid; breadth-first search from S and print the steps to E or -1


if __name__ == "__main__":
    main()
