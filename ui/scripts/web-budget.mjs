// Checks the browser client's build (dist-web/, `npm run build:web`) before mulaqat-server embeds
// it: the page's JavaScript and CSS together under 250 kB gzip-compressed (phones on slow links;
// issue 17), and what the server's CSP and the issue require of it: no inline script or style,
// every asset under /join/, no source maps, nothing from another origin, and neither the mock
// backend nor the Tauri API in the bundle. Prints every file's size; exits 1 on any failure.
//
//   node scripts/web-budget.mjs [dist-web] [--budget-kb 250]

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";

const args = process.argv.slice(2);
const budgetAt = args.indexOf("--budget-kb");
const budgetKb = budgetAt >= 0 ? Number(args[budgetAt + 1]) : 250;
const dir = args.find((a, i) => !a.startsWith("--") && i !== budgetAt + 1) ?? "dist-web";
const BASE = "/join/";

function files(d) {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const problems = [];
let all;
try {
  all = files(dir);
} catch {
  console.error(`web-budget: ${dir} does not exist; run \`npm run build:web\` first`);
  process.exit(1);
}

// ── sizes ──
const code = all.filter((f) => /\.(js|mjs|css)$/.test(f)).sort();
const rows = code.map((f) => {
  const raw = readFileSync(f);
  return { file: relative(dir, f), raw: raw.length, gzip: gzipSync(raw, { level: 9 }).length };
});
const total = rows.reduce((s, r) => s + r.gzip, 0);
const totalRaw = rows.reduce((s, r) => s + r.raw, 0);
const kb = (n) => (n / 1000).toFixed(1).padStart(7) + " kB";
const width = Math.max(...rows.map((r) => r.file.length), 5);
console.log(`${"file".padEnd(width)}  ${"raw".padStart(10)}  ${"gzip -9".padStart(10)}`);
for (const r of rows) console.log(`${r.file.padEnd(width)}  ${kb(r.raw)}  ${kb(r.gzip)}`);
console.log(`${"total".padEnd(width)}  ${kb(totalRaw)}  ${kb(total)}   (budget ${budgetKb} kB)`);
if (total > budgetKb * 1000)
  problems.push(`JS+CSS is ${(total / 1000).toFixed(1)} kB gzip, over the ${budgetKb} kB budget`);

// ── index.html ──
const indexPath = join(dir, "index.html");
let index = "";
try {
  index = readFileSync(indexPath, "utf8");
} catch {
  problems.push("no index.html");
}
if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(index)) problems.push("index.html has an inline <script>");
if (/<style[\s>]/i.test(index)) problems.push("index.html has an inline <style>");
if (/\sstyle=/i.test(index)) problems.push("index.html has a style= attribute");
if (/\son[a-z]+=/i.test(index)) problems.push("index.html has an inline event handler");
for (const [, url] of index.matchAll(/\b(?:src|href)="([^"]*)"/g)) {
  if (!url.startsWith(BASE)) problems.push(`index.html refers to ${url}, outside ${BASE}`);
}
if (!/src="\/join\/assets\/[^"]+\.js"/.test(index))
  problems.push("index.html does not load its script from /join/assets/");

// ── the bundle ──
for (const f of all) {
  const name = relative(dir, f);
  if (f.endsWith(".map")) problems.push(`source map ${name} (web builds have none)`);
  if (/(^|\/)(mock|mockCall|mockFrames|mockScenarios|simulate)[-.]/.test(name))
    problems.push(`${name}: a mock or simulation chunk in the web build`);
  if (!/\.(js|mjs|css|html)$/.test(f)) continue;
  const text = readFileSync(f, "utf8");
  if (/sourceMappingURL=/.test(text)) problems.push(`${name} points to a source map`);
  if (text.includes("__mulaqatMock")) problems.push(`${name} contains the mock backend`);
  if (text.includes("__TAURI_INTERNALS__")) problems.push(`${name} contains the Tauri API`);
  if (f.endsWith(".css") && /url\(\s*["']?(https?:)?\/\//i.test(text))
    problems.push(`${name} loads something from another origin`);
  if (f.endsWith(".css") && /@import/i.test(text)) problems.push(`${name} uses @import`);
}

if (problems.length > 0) {
  for (const p of problems) console.error(`web-budget: ${p}`);
  process.exit(1);
}
console.log(`web-budget: ok (${rows.length} files, ${(total / 1000).toFixed(1)} kB gzip)`);
