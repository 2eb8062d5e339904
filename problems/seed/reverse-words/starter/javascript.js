const data = require("fs").readFileSync(0, "utf8").split(/\s+/).filter(Boolean);
// read one line and print its whitespace-separated words in reverse order
