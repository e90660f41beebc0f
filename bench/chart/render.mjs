/**
 * `node bench/chart/render.mjs <run.json> <out-dir>`: one SVG bar chart per figure of a bench
 * run's comparison (`comparison` in the JSON that `npm run bench` writes), servers as bars, drawn
 * with Vega-Lite and rendered by Vega without a browser. Prints the files it wrote.
 * The bench runs it after each run (its dependencies are installed on first use).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';

const [jsonFile, outDir] = process.argv.slice(2);
if (!jsonFile || !outDir) {
  console.error('usage: node bench/chart/render.mjs <run.json> <out-dir>');
  process.exit(2);
}
const run = JSON.parse(readFileSync(jsonFile, 'utf8'));
const { comparison } = run;
if (!comparison?.figures?.length) {
  console.error(`${jsonFile} has no comparison figures`);
  process.exit(1);
}
const HIGHLIGHT = comparison.highlight ?? 'app';
const when = `${run.smoke ? 'smoke run' : 'run'} of ${run.date.slice(0, 10)}, ${run.machine.nproc} cores`;

const format = (v, digits) => v.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A horizontal bar per server, in the comparison's server order; this server's bar stands out. */
function spec(figure) {
  const rows = comparison.servers
    .filter((s) => figure.values[s.id] !== undefined)
    .map((s) => {
      const v = figure.values[s.id];
      return {
        server: s.label,
        value: v ?? 0,
        text: v === null ? (figure.notes?.[s.id] ?? 'not measured') : format(v, figure.digits),
        highlight: s.id === HIGHLIGHT,
      };
    });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: figure.title,
      subtitle: `${figure.unit}, ${figure.better} is better (${when})`,
      anchor: 'start',
    },
    width: 420,
    height: { step: 28 },
    data: { values: rows },
    encoding: {
      y: { field: 'server', type: 'nominal', sort: null, title: null, axis: { labelLimit: 240 } },
      x: {
        field: 'value',
        type: 'quantitative',
        title: figure.unit,
        scale: { domainMin: 0, nice: true },
        axis: { grid: true, tickCount: 5 },
      },
    },
    layer: [
      {
        mark: { type: 'bar', height: 18 },
        encoding: {
          color: {
            field: 'highlight',
            type: 'nominal',
            scale: { domain: [true, false], range: ['#2f6fdf', '#9aa3ae'] },
            legend: null,
          },
        },
      },
      { mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4 }, encoding: { text: { field: 'text' } } },
    ],
    config: {
      font: 'Helvetica, Arial, sans-serif',
      view: { stroke: null },
      background: 'white',
      padding: 12,
      title: { fontSize: 14, subtitleFontSize: 11, subtitleColor: '#555' },
      axis: { labelFontSize: 11, titleFontSize: 11 },
    },
  };
}

mkdirSync(outDir, { recursive: true });
for (const figure of comparison.figures) {
  if (figure.chart === false) continue;
  if (!Object.values(figure.values).some((v) => typeof v === 'number')) continue;
  const view = new vega.View(vega.parse(vl.compile(spec(figure)).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const file = resolve(outDir, `${figure.id}.svg`);
  writeFileSync(file, `${svg}\n`);
  console.log(file);
}
