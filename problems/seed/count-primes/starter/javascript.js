const data = require("fs").readFileSync(0, "utf8").split(/\s+/).filter(Boolean);
// read n and print the number of primes <= n (sieve of Eratosthenes)
