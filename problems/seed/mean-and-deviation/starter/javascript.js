const data = require("fs").readFileSync(0, "utf8").split(/\s+/).filter(Boolean);
// read n and n real numbers; print the mean and the population standard deviation
