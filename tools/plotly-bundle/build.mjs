// Build static/js/plotly.min.js: plotly.js core with the trace types in traces.json, nothing else.
// The esbuild options are plotly.js's own (its esbuild-config.js), minified, without the gl plugin
// (no WebGL trace is bundled).
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { environmentPlugin } from "esbuild-plugin-environment";
import InlineCSSPlugin from "esbuild-plugin-inline-css";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const traces = JSON.parse(readFileSync(path.join(here, "traces.json"), "utf8"));
const version = require("plotly.js/package.json").version;
const out = path.resolve(here, "../../static/js/plotly.min.js");

const entry = [
  "'use strict';",
  "var Plotly = require('plotly.js/lib/core');",
  `Plotly.register([${traces.map((t) => `require('plotly.js/lib/${t}')`).join(", ")}]);`,
  "module.exports = Plotly;",
].join("\n");

const result = await build({
  stdin: { contents: entry, resolveDir: here, sourcefile: "chiiki-plotly.js" },
  format: "iife",
  globalName: "Plotly",
  bundle: true,
  minify: true,
  write: false,
  legalComments: "eof",
  plugins: [InlineCSSPlugin(), environmentPlugin({ NODE_DEBUG: false })],
  alias: { regl: "@plotly/regl", stream: "stream-browserify" },
  define: { global: "window", "define.amd": "false" },
  target: "es2016",
  logLevel: "warning",
});

const banner =
  `/**\n* plotly.js v${version} (custom bundle: ${traces.join(", ")})\n` +
  "* Copyright 2012-2026, Plotly, Inc.\n* All rights reserved.\n* Licensed under the MIT license\n" +
  "* Built by tools/plotly-bundle (npm ci && npm run build); licences in plotly.LICENSE.txt\n*/\n";
writeFileSync(out, banner + result.outputFiles[0].text);
const licences = ["plotly.js/LICENSE", "maplibre-gl/LICENSE.txt"]
  .map((file) => `==> ${file.split("/")[0]} <==\n${readFileSync(path.join(here, "node_modules", file), "utf8")}`)
  .join("\n");
writeFileSync(path.resolve(here, "../../static/js/plotly.LICENSE.txt"), licences);
// Japanese dates and numbers: plotly.js's own locale file, as published (it registers itself with Plotly).
const locale = path.resolve(here, "../../static/js/vendor/plotly-locale-ja.js");
writeFileSync(locale, readFileSync(path.join(here, "node_modules/plotly.js/dist/plotly-locale-ja.js")));
console.log(`${out}: ${(readFileSync(out).length / 1e6).toFixed(2)} MB, traces ${traces.join(", ")}`);
