import sys


def main():
    data = sys.stdin.read().split()
    # read one string and print its run-length encoding (runs of length 1 keep no count)


if __name__ == "__main__":
    main()
