// Opens a basis-report page from disk in Debian's headless Chromium, driven by
// playwright-core (no browser download: executablePath is the system one),
// and checks what a reader would see:
//
// - the page loads with no console error, no page error and no request
//   other than the report file itself;
// - every chart is present and not blank: each figure.chart has an
//   <svg class="chart-svg"> with drawn shapes, and its screenshot has
//   coloured pixels (the data, not only axes);
// - the numbers shown for final total value and total P&L equal the
//   expected ones: read from summary.json (--summary) or given
//   (--expect-final-total-value, --expect-total-pnl).
//
// Usage:
//   node check_report.mjs --report results/ID/report.html --summary results/ID/summary.json \
//     [--screenshot out.png] [--clip-height 1800] [--final-key path.to.value] [--pnl-key path]
//   node check_report.mjs --report r.html --expect-final-total-value 10058.75 --expect-total-pnl 70.25
//
// Exits 0 when every check passes, 1 when one fails, 2 on bad usage.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { chromium } from 'playwright-core';

// The flags the machine's probe used: without the background-networking
// ones Chromium tries to reach Google's hosts at every start.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Where summary.json may keep the two numbers, most specific first.
const FINAL_KEYS = ['final_total_value_usd', 'final_total_value', 'final_value_usd', 'final_value'];
const PNL_KEYS = ['total_pnl_usd', 'total_pnl'];

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    if (!flag.startsWith('--') || i + 1 >= argv.length) {
      usage(`unexpected argument \`${flag}\``);
    }
    args[flag.slice(2)] = argv[i + 1];
    i += 1;
  }
  if (!args.report) usage('--report is required');
  return args;
}

function usage(message) {
  console.error(`check_report: ${message}`);
  console.error('usage: node check_report.mjs --report FILE (--summary FILE | --expect-final-total-value N --expect-total-pnl N) [--screenshot FILE] [--clip-height PX]');
  process.exit(2);
}

/** The value at a dotted path (`pnl.total_pnl_usd`), or undefined. */
function atPath(object, path) {
  return path.split('.').reduce((value, key) => (value == null ? undefined : value[key]), object);
}

/** Every number stored under one of `keys`, anywhere in `object`. */
function findNumbers(object, keys, path = '') {
  const found = [];
  if (object && typeof object === 'object') {
    for (const [key, value] of Object.entries(object)) {
      const here = path ? `${path}.${key}` : key;
      if (keys.includes(key) && typeof value === 'number') found.push([here, value]);
      found.push(...findNumbers(value, keys, here));
    }
  }
  return found;
}

/** The expected number from summary.json: at `--*-key` if given, else the one value under a known key. */
function expectedFrom(summary, explicitPath, keys, what) {
  if (explicitPath) {
    const value = atPath(summary, explicitPath);
    if (typeof value !== 'number') throw new Error(`summary.json has no number at \`${explicitPath}\` (${what})`);
    return value;
  }
  for (const key of keys) {
    const found = findNumbers(summary, [key]);
    const values = [...new Set(found.map(([, v]) => v))];
    if (values.length === 1) return values[0];
    if (values.length > 1) {
      throw new Error(`summary.json has several ${what} values under \`${key}\`: ${found.map(([p, v]) => `${p}=${v}`).join(', ')}; pass the path`);
    }
  }
  throw new Error(`summary.json has no ${what} (looked for ${keys.join(', ')}); pass the path`);
}

/** The amount a "$12,345.67" / "-$2.25" text shows. */
function shownAmount(text) {
  const match = text.trim().match(/^(-?)\$([0-9,]+(?:\.[0-9]+)?)$/);
  if (!match) return NaN;
  const amount = Number(match[2].replaceAll(',', ''));
  return match[1] === '-' ? -amount : amount;
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
    let nonWhite = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured += 1;
      if (r < 245 || g < 245 || b < 245) nonWhite += 1;
    }
    return { coloured, nonWhite, total: data.length / 4 };
  }, png.toString('base64'));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const reportPath = resolve(args.report);
  const reportUrl = pathToFileURL(reportPath).href;

  let expectedFinal;
  let expectedPnl;
  if (args.summary) {
    const summary = JSON.parse(readFileSync(args.summary, 'utf8'));
    expectedFinal = expectedFrom(summary, args['final-key'], FINAL_KEYS, 'final total value');
    expectedPnl = expectedFrom(summary, args['pnl-key'], PNL_KEYS, 'total P&L');
  } else {
    if (args['expect-final-total-value'] === undefined || args['expect-total-pnl'] === undefined) {
      usage('give --summary, or both --expect-final-total-value and --expect-total-pnl');
    }
    expectedFinal = Number(args['expect-final-total-value']);
    expectedPnl = Number(args['expect-total-pnl']);
  }

  const failures = [];
  const consoleErrors = [];
  const requests = [];
  const profile = mkdtempSync(join(tmpdir(), 'basis-report-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  try {
    context.on('request', (request) => {
      const url = request.url();
      if (url !== reportUrl && !url.startsWith('data:')) requests.push(url);
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
    const response = await page.goto(reportUrl, { waitUntil: 'load' });
    if (!response || !response.ok()) failures.push(`the report did not load: ${response ? response.status() : 'no response'}`);

    // Every chart: present, drawn, with shapes and coloured pixels.
    const charts = await page.$$eval('figure.chart', (figures) => figures.map((figure) => {
      const svg = figure.querySelector('svg.chart-svg');
      const box = svg ? svg.getBoundingClientRect() : null;
      return {
        id: figure.id,
        drawn: figure.dataset.drawn === 'true',
        absent: figure.querySelector('.absent')?.textContent ?? null,
        title: svg?.querySelector('title')?.textContent ?? null,
        shapes: svg ? svg.querySelectorAll('polyline, path, circle, rect, polygon').length : 0,
        width: box ? box.width : 0,
        height: box ? box.height : 0,
        tableRows: figure.querySelectorAll('details table tbody tr').length,
      };
    }));
    if (charts.length === 0) failures.push('the page has no chart at all');
    const wanted = args.charts ? args.charts.split(',') : charts.map((chart) => chart.id);
    const blank = await context.newPage();
    for (const id of wanted) {
      const chart = charts.find((c) => c.id === id);
      if (!chart) { failures.push(`chart ${id} is missing`); continue; }
      if (!chart.drawn) { failures.push(`chart ${id} is not drawn: ${chart.absent}`); continue; }
      if (!chart.title) failures.push(`chart ${id} has no <title>`);
      if (chart.shapes < 5) failures.push(`chart ${id} has only ${chart.shapes} shapes`);
      if (chart.width < 300 || chart.height < 80) failures.push(`chart ${id} is ${chart.width}x${chart.height} px`);
      if (chart.tableRows < 1) failures.push(`chart ${id} has no numbers table`);
      const png = await page.locator(`#${id} svg.chart-svg`).screenshot();
      const pixels = await colouredPixels(blank, png);
      if (pixels.coloured < 40 || pixels.nonWhite < pixels.total * 0.005) {
        failures.push(`chart ${id} looks blank: ${pixels.coloured} coloured and ${pixels.nonWhite} non-white of ${pixels.total} pixels`);
      }
    }
    await blank.close();

    // The headline numbers, as data and as shown.
    for (const [id, expected, what] of [
      ['final-total-value', expectedFinal, 'final total value'],
      ['total-pnl', expectedPnl, 'total P&L'],
    ]) {
      const element = page.locator(`#${id}`);
      if ((await element.count()) !== 1) { failures.push(`no #${id} on the page`); continue; }
      const dataValue = Number(await element.getAttribute('data-value'));
      const text = await element.innerText();
      if (dataValue !== expected) failures.push(`${what}: data-value ${dataValue} but expected ${expected}`);
      const shown = shownAmount(text);
      if (!(Math.abs(shown - expected) <= 0.005 + 1e-12 * Math.abs(expected))) {
        failures.push(`${what}: the page shows \`${text}\` but expected ${expected}`);
      }
    }

    if (args.screenshot) {
      const clipHeight = args['clip-height'] ? Number(args['clip-height']) : null;
      if (clipHeight) {
        // The top of the page, whatever the chart checks scrolled to.
        await page.screenshot({
          path: args.screenshot,
          fullPage: true,
          clip: { x: 0, y: 0, width: 1280, height: clipHeight },
        });
      } else {
        await page.screenshot({ path: args.screenshot, fullPage: true });
      }
    }

    for (const error of consoleErrors) failures.push(`console error: ${error}`);
    for (const url of requests) failures.push(`network request: ${url}`);
    const drawn = charts.filter((c) => c.drawn).length;
    if (failures.length > 0) {
      console.error(`browser check of ${reportPath}: ${failures.length} failures`);
      for (const failure of failures) console.error(`  - ${failure}`);
      process.exitCode = 1;
    } else {
      console.log(`browser check of ${reportPath}: ok: ${drawn} of ${charts.length} charts drawn and not blank, `
        + `0 console errors, 0 requests, final total value ${expectedFinal}, total P&L ${expectedPnl}`);
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`check_report: ${error.message ?? error}`);
  process.exit(1);
});
