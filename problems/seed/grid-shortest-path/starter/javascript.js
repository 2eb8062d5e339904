const data = require("fs").readFileSync(0, "utf8").split(/\s+/).filter(Boolean);
// read R, C and the grid; breadth-first search from S and print the steps to E or -1
