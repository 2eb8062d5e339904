import sys


def main():
    data = sys.stdin.read().split()
    # read n and print the number of primes <= n (sieve of Eratosthenes)


if __name__ == "__main__":
    main()
