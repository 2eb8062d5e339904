import sys


def main():
    data = sys.stdin.read().split()
    # read n and n real numbers; print the mean and the population standard deviation


if __name__ == "__main__":
    main()
