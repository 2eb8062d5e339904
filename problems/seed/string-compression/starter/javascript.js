const data = require("fs").readFileSync(0, "utf8").split(/\s+/).filter(Boolean);
// read one string and print its run-length encoding (runs of length 1 keep no count)
