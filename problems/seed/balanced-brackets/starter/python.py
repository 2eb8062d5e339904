import sys


def main():
    data = sys.stdin.read().split()
    # read T, then T strings; print YES or NO for each depending on whether its brackets balance


if __name__ == "__main__":
    main()
