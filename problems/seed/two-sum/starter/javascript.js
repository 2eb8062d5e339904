const data = require("fs").readFileSync(0, "utf8").split(/\s+/).filter(Boolean);
// read n, t and the n numbers; print the two 0-based positions i < j whose values sum to t
