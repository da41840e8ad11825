// Renders TeX as the Markdown viewers do, with KaTeX (GitHub, Obsidian) and MathJax 3 (JupyterLab,
// pandoc --mathjax), and reports every string either refuses.
//
// Input on stdin: a JSON list of {"tex": "...", "display": true|false}. Output on stdout: a JSON
// list of {"index": i, "error": "..."}, one for each refusal (empty: everything renders).
// Usage: node katex_check.js NODE_MODULES, the folder `npm install --prefix DIR katex mathjax-full@3`
// fills (DIR/node_modules).
"use strict";

const path = require("path");

const modules = process.argv[2];
const load = (name) => require(path.join(modules, name));

const katex = load("katex");

function katexError(tex, display) {
  try {
    // strict "error": what KaTeX only warns about (Unicode text in math, say) counts too.
    katex.renderToString(tex, { displayMode: display, throwOnError: true, strict: "error" });
    return null;
  } catch (error) {
    return `KaTeX: ${error.message}`;
  }
}

function mathjaxConverter() {
  const { mathjax } = load("mathjax-full/js/mathjax.js");
  const { TeX } = load("mathjax-full/js/input/tex.js");
  const { liteAdaptor } = load("mathjax-full/js/adaptors/liteAdaptor.js");
  const { RegisterHTMLHandler } = load("mathjax-full/js/handlers/html.js");
  load("mathjax-full/js/input/tex/ams/AmsConfiguration.js");
  // textmacros reads macros inside \text as MathJax 3 does with it on: \ensuremath there is an error.
  load("mathjax-full/js/input/tex/textmacros/TextMacrosConfiguration.js");
  RegisterHTMLHandler(liteAdaptor());
  const tex = new TeX({
    packages: ["base", "ams", "textmacros"],
    formatError: (_jax, error) => {
      throw error;
    },
  });
  const document = mathjax.document("", { InputJax: tex });
  return (source, display) => {
    try {
      document.convert(source, { display });
      return null;
    } catch (error) {
      return `MathJax 3: ${error.message}`;
    }
  };
}

const mathjaxError = mathjaxConverter();

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  input += chunk;
});
process.stdin.on("end", () => {
  const errors = [];
  JSON.parse(input).forEach(({ tex, display }, index) => {
    const error = katexError(tex, display) || mathjaxError(tex, display);
    if (error) {
      errors.push({ index, error });
    }
  });
  process.stdout.write(JSON.stringify(errors));
});
