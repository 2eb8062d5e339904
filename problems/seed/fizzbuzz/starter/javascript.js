const data = require("fs").readFileSync(0, "utf8").split(/\s+/).filter(Boolean);
// read n and print 1..n with Fizz / Buzz / FizzBuzz substitutions
