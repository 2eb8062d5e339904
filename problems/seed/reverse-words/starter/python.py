import sys


def main():
    data = sys.stdin.read().split()
    # read one line and print its whitespace-separated words in reverse order


if __name__ == "__main__":
    main()
