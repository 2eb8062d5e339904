const data = require("fs").readFileSync(0, "utf8").split(/\s+/).filter(Boolean);
// read n, q, the n values and q queries l r; print for each query how many values lie in [l, r]
