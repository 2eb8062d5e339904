const line = require("fs").readFileSync(0, "utf8").split("\n")[0];
const words = line.split(/\s+/).filter(Boolean);
process.stdout.write(words.reverse().join(" ") + "\n");
