const data = require("fs").readFileSync(0, "utf8").split(/\s+/).filter(Boolean);
// read T, then T strings; print YES or NO for each depending on whether its brackets balance
