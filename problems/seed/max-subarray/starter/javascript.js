const data = require("fs").readFileSync(0, "utf8").split(/\s+/).filter(Boolean);
// read n and n integers; print the largest contiguous subarray sum (use 64-bit integers)
