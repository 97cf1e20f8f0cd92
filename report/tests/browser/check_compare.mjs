// Opens a `basis-log compare --report` page from disk in Debian's headless
// Chromium (playwright-core, the system browser) and checks it against the
// `compare --json` output of the same comparison:
//
// - no console error, no page error, no request but the page itself;
// - every chart is drawn with one line per run and is not blank;
// - every number of the delta table (each run's value and each delta, in
//   data-value) equals the JSON's, and the JSON has no number the page lacks;
// - the page lists exactly the JSON's warnings.
//
// Usage: node check_compare.mjs --page compare.html --json compare.json
// Exits 0 when every check passes, 1 when one fails, 2 on bad usage.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { chromium } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) usage(`unexpected argument \`${argv[i]}\``);
    args[argv[i].slice(2)] = argv[i + 1];
  }
  if (!args.page || !args.json) usage('--page and --json are required');
  return args;
}

function usage(message) {
  console.error(`check_compare: ${message}`);
  console.error('usage: node check_compare.mjs --page FILE --json FILE');
  process.exit(2);
}

async function colouredPixels(blank, png) {
  return blank.evaluate(async (base64) => {
    const image = new Image();
    image.src = `data:image/png;base64,${base64}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    const { data } = context.getImageData(0, 0, image.width, image.height);
    let coloured = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured += 1;
    }
    return coloured;
  }, png.toString('base64'));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const pagePath = resolve(args.page);
  const pageUrl = pathToFileURL(pagePath).href;
  const json = JSON.parse(readFileSync(args.json, 'utf8'));

  // What the page must show, keyed `kind metric run`.
  const expected = new Map();
  for (const run of json.runs) {
    for (const [metric, value] of Object.entries(run.values)) {
      if (value !== null) expected.set(`value ${metric} ${run.correlation_id}`, value);
    }
  }
  for (const run of json.deltas) {
    for (const [metric, value] of Object.entries(run.deltas)) {
      if (value !== null) expected.set(`delta ${metric} ${run.correlation_id}`, value);
    }
  }

  const failures = [];
  const consoleErrors = [];
  const requests = [];
  const profile = mkdtempSync(join(tmpdir(), 'basis-compare-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  try {
    context.on('request', (request) => {
      const url = request.url();
      if (url !== pageUrl && !url.startsWith('data:')) requests.push(url);
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
    const response = await page.goto(pageUrl, { waitUntil: 'load' });
    if (!response || !response.ok()) failures.push('the page did not load');

    const charts = await page.$$eval('figure.chart', (figures) => figures.map((figure) => ({
      id: figure.id,
      drawn: figure.dataset.drawn === 'true',
      lines: figure.querySelectorAll('svg.chart-svg polyline, svg.chart-svg path').length,
      keys: figure.querySelectorAll('.legend li').length,
    })));
    if (charts.length === 0) failures.push('the page has no chart');
    const blank = await context.newPage();
    for (const chart of charts) {
      if (!chart.drawn) { failures.push(`chart ${chart.id} is not drawn`); continue; }
      if (chart.keys !== json.runs.length) failures.push(`chart ${chart.id} has ${chart.keys} runs in its key, not ${json.runs.length}`);
      if (chart.lines < json.runs.length) failures.push(`chart ${chart.id} has ${chart.lines} lines for ${json.runs.length} runs`);
      const png = await page.locator(`#${chart.id} svg.chart-svg`).screenshot();
      if ((await colouredPixels(blank, png)) < 40) failures.push(`chart ${chart.id} looks blank`);
    }
    await blank.close();

    const cells = await page.$$eval('#delta-table td[data-value]', (tds) => tds.map((td) => ({
      key: `${td.dataset.kind} ${td.dataset.metric} ${td.dataset.run}`,
      value: Number(td.dataset.value),
    })));
    const shown = new Map(cells.map((cell) => [cell.key, cell.value]));
    for (const [key, value] of expected) {
      if (!shown.has(key)) failures.push(`${key}: in the JSON (${value}) but not on the page`);
      else if (shown.get(key) !== value) failures.push(`${key}: the page says ${shown.get(key)}, the JSON ${value}`);
    }
    for (const key of shown.keys()) {
      if (!expected.has(key)) failures.push(`${key}: on the page but not in the JSON`);
    }

    const warnings = await page.$$eval('li.warning', (items) => items.length);
    if (warnings !== json.warnings.length) failures.push(`${warnings} warnings on the page, ${json.warnings.length} in the JSON`);

    for (const error of consoleErrors) failures.push(`console error: ${error}`);
    for (const url of requests) failures.push(`network request: ${url}`);
    if (failures.length > 0) {
      console.error(`browser check of ${pagePath}: ${failures.length} failures`);
      for (const failure of failures) console.error(`  - ${failure}`);
      process.exitCode = 1;
    } else {
      const drawn = charts.filter((c) => c.drawn).length;
      console.log(`browser check of ${pagePath}: ok: ${drawn} of ${charts.length} charts drawn and not blank, `
        + `${expected.size} numbers equal to the JSON, ${warnings} warnings, 0 console errors, 0 requests`);
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`check_compare: ${error.message ?? error}`);
  process.exit(1);
});
