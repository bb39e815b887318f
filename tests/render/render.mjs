// Render a Markdown summary as GitHub shows it, and say what a person would see.
//
//   node render.mjs SUMMARY.md --png OUT.png [--html OUT.html] [--chromium PATH]
//
// The Markdown becomes HTML (marked, GitHub-flavoured) inside GitHub's own CSS
// (github-markdown-css); every ```mermaid block is drawn by Mermaid 11 in headless
// Chromium (Debian's, driven by playwright-core: its own browser download is not
// reachable). Then the page is read back from the DOM, as drawn:
//   - errors: any Mermaid error box ("Syntax error in text", the error SVG) or
//     rejected diagram;
//   - per chart: the palette its init block asks for, and the computed fill of every
//     bar and stroke of every line of each series, with their counts;
// and a PNG screenshot of the whole summary is written.
//
// Prints one JSON document on stdout. Exit 0: drawn without an error and every series
// in its palette colour; 1: an error box or a colour that is not the palette's (the
// document says which); 2: bad usage or no browser (one line on stderr).

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const MERMAID = join(modules, "mermaid", "dist", "mermaid.min.js");
const CSS = join(modules, "github-markdown-css", "github-markdown-light.css");
const ERROR_TEXT = "Syntax error in text";
// The flags that work on these machines: no sandbox as root, no GPU, and none of the
// background connections a closed network refuses.
const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];

function usage(message) {
  process.stderr.write(`render-summary: ${message}\n`);
  process.exit(2);
}

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        png: { type: "string" },
        html: { type: "string" },
        chromium: { type: "string", default: "/usr/bin/chromium" },
        width: { type: "string", default: "1012" },
      },
    });
  } catch (error) {
    usage(`${error.message} (usage: SUMMARY.md --png OUT.png [--html OUT.html])`);
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1) usage("give one Markdown file (usage: SUMMARY.md --png OUT.png)");
  if (!values.png) usage("--png OUT.png is required: where the screenshot goes");
  if (!existsSync(positionals[0])) usage(`no such Markdown file: ${positionals[0]}`);
  if (!existsSync(values.chromium)) {
    usage(`no Chromium at ${values.chromium}: apt-get install chromium, or pass --chromium PATH`);
  }
  if (!existsSync(MERMAID)) usage(`mermaid is not installed: run npm ci in ${here}`);
  return { markdown: positionals[0], ...values };
}

function escapeHtml(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

async function toHtml(markdown) {
  const { Marked } = await import("marked");
  const marked = new Marked({ gfm: true });
  marked.use({
    renderer: {
      code({ text, lang }) {
        if (lang === "mermaid") return `<pre class="mermaid">${escapeHtml(text)}</pre>\n`;
        return false; // every other block as marked draws it
      },
    },
  });
  const body = marked.parse(markdown);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<link rel="stylesheet" href="${pathToFileURL(CSS)}">
<style>body { margin: 0; background: #ffffff; }
.markdown-body { box-sizing: border-box; max-width: 1012px; padding: 32px; }</style>
<script src="${pathToFileURL(MERMAID)}"></script>
<script>mermaid.initialize({ startOnLoad: false }); // each block is drawn on its own below</script>
</head><body><article class="markdown-body">
${body}
</article></body></html>
`;
}

// Runs in the page: draw every diagram, then read what was drawn.
async function drawAndRead(errorText) {
  const blocks = [...document.querySelectorAll("pre.mermaid")];
  const sources = blocks.map((block) => block.textContent);
  const errors = [];
  const said = (error) => String(error && error.message ? error.message : error).split("\n")[0];
  for (const [index, block] of blocks.entries()) {
    // As GitHub draws it: a block Mermaid rejects is drawn as its error box.
    try {
      await window.mermaid.parse(sources[index]);
    } catch (error) {
      errors.push(`chart ${index + 1}: Mermaid rejects it: ${said(error)}`);
    }
    await window.mermaid.run({ nodes: [block] }).catch(() => {}); // the box is read below
  }
  if (document.body.innerText.includes(errorText)) errors.push(`the page shows "${errorText}"`);
  for (const svg of document.querySelectorAll('svg[aria-roledescription="error"], .error-icon')) {
    errors.push(`an error box is drawn (${svg.getAttribute("aria-roledescription") || svg.className.baseVal})`);
  }
  const paint = (element, property) => getComputedStyle(element)[property];
  const charts = blocks.map((block, index) => {
    const init = /%%\{init:\s*(\{.*\})\s*\}%%/.exec(sources[index]);
    const settings = init ? JSON.parse(init[1]) : {};
    const xy = (settings.themeVariables || {}).xyChart || {};
    const palette = (xy.plotColorPalette || "").split(",").map((c) => c.trim()).filter(Boolean);
    const svg = block.querySelector("svg");
    const series = [];
    for (let plot = 0; svg; plot += 1) {
      const bars = [...svg.querySelectorAll(`g.bar-plot-${plot} rect`)];
      const lines = [...svg.querySelectorAll(`g.line-plot-${plot} path`)];
      if (!bars.length && !lines.length) break;
      const shapes = bars.length ? bars : lines;
      const property = bars.length ? "fill" : "stroke";
      series.push({
        kind: bars.length ? "bar" : "line",
        count: shapes.length,
        colours: [...new Set(shapes.map((shape) => paint(shape, property)))],
        // As drawn, in CSS pixels: a bar's height, a line's points' heights.
        heights: bars.length
          ? bars.map((bar) => Math.round(bar.getBoundingClientRect().height * 10) / 10)
          : [],
      });
    }
    const labels = svg ? [...svg.querySelectorAll("g.bottom-axis g.label text")] : [];
    const boxes = labels.map((label) => label.getBoundingClientRect());
    // Mermaid leaves room at the plot's ends for half a label as it measured it; a chart
    // wider than the page is measured scaled down, and its last label is then cut off.
    const frame = svg ? svg.getBoundingClientRect() : null;
    const slack = 0.5; // sub-pixel rounding
    const clipped = labels
      .filter((_, i) => boxes[i].left < frame.left - slack || boxes[i].right > frame.right + slack)
      .map((label) => label.textContent);
    const overlapping = [];
    for (let i = 1; i < boxes.length; i += 1) {
      if (boxes[i].left < boxes[i - 1].right) {
        overlapping.push(`${labels[i - 1].textContent} | ${labels[i].textContent}`);
      }
    }
    const background = svg ? svg.querySelector("rect.background, g.main > rect") : null;
    return {
      diagram: svg ? svg.getAttribute("aria-roledescription") : null,
      palette,
      background: background ? paint(background, "fill") : null,
      title: svg ? (svg.querySelector("g.chart-title text") || {}).textContent || "" : "",
      x_labels: labels.map((label) => label.textContent),
      overlapping_labels: overlapping,
      clipped_labels: clipped,
      series,
    };
  });
  return { errors, charts };
}

function rgb(hex) {
  const value = hex.replace("#", "");
  const full = value.length === 3 ? [...value].map((c) => c + c).join("") : value;
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}

function problems(facts) {
  const found = [...facts.errors];
  facts.charts.forEach((chart, index) => {
    const name = `chart ${index + 1}${chart.title ? ` (${chart.title})` : ""}`;
    if (chart.diagram !== "xychart") {
      found.push(`${name}: drawn as ${chart.diagram}, not an xychart`);
      return;
    }
    if (!chart.series.length) found.push(`${name}: no bar or line was drawn`);
    if (chart.clipped_labels.length) {
      found.push(`${name}: x labels cut off at the chart's edge: ${chart.clipped_labels.join(", ")}`);
    }
    if (chart.overlapping_labels.length) {
      found.push(`${name}: x labels run together: ${chart.overlapping_labels.join(", ")}`);
    }
    chart.series.forEach((series, plot) => {
      const wanted = chart.palette[plot % Math.max(chart.palette.length, 1)];
      if (!wanted) {
        found.push(`${name}: series ${plot + 1} has no palette colour in the init block`);
      } else if (series.colours.length !== 1 || series.colours[0] !== rgb(wanted)) {
        found.push(
          `${name}: series ${plot + 1} (${series.kind}) is drawn in ${series.colours.join(", ")}, ` +
            `not the palette's ${wanted} (${rgb(wanted)})`,
        );
      }
    });
  });
  return found;
}

async function main() {
  const given = options();
  const html = await toHtml(readFileSync(given.markdown, "utf8"));
  const folder = mkdtempSync(join(tmpdir(), "render-summary-"));
  const page = join(folder, "summary.html");
  writeFileSync(page, html);
  if (given.html) writeFileSync(given.html, html);
  const { chromium } = await import("playwright-core");
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: given.chromium,
      headless: true,
      args: CHROMIUM_FLAGS,
    });
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    usage(`Chromium did not start: ${String(error.message).split("\n")[0]}`);
  }
  try {
    const tab = await browser.newPage({ viewport: { width: Number(given.width), height: 600 } });
    await tab.goto(pathToFileURL(page).href);
    const facts = await tab.evaluate(drawAndRead, ERROR_TEXT);
    await tab.locator("article").screenshot({ path: resolve(given.png) });
    const found = problems(facts);
    const document = { ok: found.length === 0, problems: found, png: resolve(given.png), ...facts };
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    process.exitCode = found.length ? 1 : 0;
  } finally {
    await browser.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

await main();
