// Renders TeX with KaTeX, as GitHub, Obsidian and JupyterLab do, and reports every string it rejects.
//
// Input on stdin: a JSON list of {"tex": "...", "display": true|false}. Output on stdout: a JSON
// list of {"index": i, "error": "..."}, one for each string KaTeX throws on (empty: all render).
// KaTeX is found through NODE_PATH or the node_modules folder given as the first argument.
"use strict";

const path = require("path");

const katex = require(process.argv[2] ? path.join(process.argv[2], "katex") : "katex");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  input += chunk;
});
process.stdin.on("end", () => {
  const errors = [];
  JSON.parse(input).forEach(({ tex, display }, index) => {
    try {
      // strict "error": what KaTeX only warns about (Unicode text in math, say) counts too.
      katex.renderToString(tex, { displayMode: display, throwOnError: true, strict: "error" });
    } catch (error) {
      errors.push({ index, error: String(error.message) });
    }
  });
  process.stdout.write(JSON.stringify(errors));
});
