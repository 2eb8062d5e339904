const data = require("fs").readFileSync(0, "utf8").split(/\s+/).filter(Boolean);
// read strings a and b; print the length of their longest common subsequence (dynamic programming)
