import sys


def main():
    data = sys.stdin.read().split()
    # read n and print 1..n with Fizz / Buzz / FizzBuzz substitutions


if __name__ == "__main__":
    main()
