/*
 * Charts as hand-written SVG: a title, one or more panels stacked, and a footer with the machine and
 * commit. Plain text and lines, readable at a glance in a browser or a code review.
 */

export const COLORS = { teamrom: '#1f5fbf', bare: '#d9822b', neutral: '#4d7a55', limit: '#c0392b' };

export interface Point {
  x: number;
  y: number;
}

export interface LinePanel {
  kind: 'line';
  title: string;
  xLabel: string;
  yLabel: string;
  /** A dashed series stays visible where a solid one lies on top of it. */
  series: { name: string; color: string; points: Point[]; dashed?: boolean }[];
  /** A horizontal dashed line, such as the CPU at which the benchmark stops. */
  limit?: { y: number; label: string };
}

export interface BarPanel {
  kind: 'bar';
  title: string;
  unit: string;
  bars: { label: string; value: number; color?: string; note?: string }[];
  /** A vertical dashed line, such as a goal. */
  limit?: { value: number; label: string };
}

export type Panel = LinePanel | BarPanel;

const WIDTH = 820;
const MAX_MARKED_POINTS = 40;
/** Average glyph width of DejaVu Sans as a fraction of the font size, for wrapping and layout. */
const CHAR_WIDTH = 0.6;
const FONT = 'font-family="DejaVu Sans, Arial, sans-serif"';

export function chart(options: {
  title: string;
  subtitle?: string;
  footer: string;
  panels: Panel[];
}) {
  const parts: string[] = [];
  let y = 10;

  for (const line of wrap(options.title, 19)) {
    y += 24;
    parts.push(text(20, y, line, { size: 19, weight: 'bold' }));
  }
  for (const line of wrap(options.subtitle ?? '', 13)) {
    y += 19;
    parts.push(text(20, y, line, { size: 13, fill: '#444' }));
  }
  y += 16;

  for (const panel of options.panels) {
    const height = panel.kind === 'line' ? linePanelHeight() : barPanelHeight(panel);

    parts.push(
      `<g transform="translate(0 ${y})">`,
      panel.kind === 'line' ? linePanel(panel) : barPanel(panel),
      '</g>',
    );
    y += height;
  }

  for (const line of wrap(options.footer, 11)) {
    y += 16;
    parts.push(text(20, y, line, { size: 11, fill: '#666' }));
  }

  const height = y + 14;

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
    `viewBox="0 0 ${WIDTH} ${height}" ${FONT}>\n` +
    `<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`
  );
}

function linePanelHeight(): number {
  return 330;
}

function linePanel(panel: LinePanel): string {
  const plot = { left: 80, right: WIDTH - 30, top: 40, bottom: 270 };
  const points = panel.series.flatMap((s) => s.points);
  const xMax = niceCeiling(Math.max(1, ...points.map((p) => p.x)));
  const yMax = niceCeiling(Math.max(1e-9, ...points.map((p) => p.y), panel.limit?.y ?? 0) * 1.1);
  const sx = (x: number) => plot.left + (x / xMax) * (plot.right - plot.left);
  const sy = (v: number) => plot.bottom - (v / yMax) * (plot.bottom - plot.top);
  const parts = [text(20, 22, panel.title, { size: 15, weight: 'bold' })];

  for (const tick of ticks(yMax)) {
    parts.push(
      line(plot.left, sy(tick), plot.right, sy(tick), '#e3e3e3'),
      text(plot.left - 8, sy(tick) + 4, formatNumber(tick), { size: 11, anchor: 'end' }),
    );
  }
  for (const tick of ticks(xMax)) {
    parts.push(
      line(sx(tick), plot.bottom, sx(tick), plot.bottom + 5, '#888'),
      text(sx(tick), plot.bottom + 19, formatNumber(tick), { size: 11, anchor: 'middle' }),
    );
  }
  parts.push(
    line(plot.left, plot.bottom, plot.right, plot.bottom, '#888'),
    line(plot.left, plot.top, plot.left, plot.bottom, '#888'),
    text((plot.left + plot.right) / 2, plot.bottom + 44, panel.xLabel, {
      size: 12,
      anchor: 'middle',
    }),
    `<text x="22" y="${(plot.top + plot.bottom) / 2}" font-size="12" text-anchor="middle" ` +
      `transform="rotate(-90 22 ${(plot.top + plot.bottom) / 2})">${escape(panel.yLabel)}</text>`,
  );

  if (panel.limit) {
    parts.push(
      `<line x1="${plot.left}" y1="${sy(panel.limit.y)}" x2="${plot.right}" ` +
        `y2="${sy(panel.limit.y)}" stroke="${COLORS.limit}" stroke-dasharray="6 4"/>`,
      // At the left, where rising lines are still low.
      text(plot.left + 6, sy(panel.limit.y) - 6, panel.limit.label, {
        size: 11,
        fill: COLORS.limit,
      }),
    );
  }

  // The legend sits in the title row, right-aligned, clear of the data and the limit line.
  let legendRight = plot.right;

  for (const series of [...panel.series].reverse()) {
    const width = series.name.length * 12 * CHAR_WIDTH + 30;
    const x = legendRight - width;

    parts.push(
      `<line x1="${x}" y1="17" x2="${x + 20}" y2="17" stroke="${series.color}" ` +
        `stroke-width="3"${series.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      text(x + 26, 21, series.name, { size: 12 }),
    );
    legendRight = x - 10;
  }

  for (const series of panel.series) {
    const coords = series.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`);

    parts.push(
      `<polyline points="${coords.join(' ')}" fill="none" stroke="${series.color}" ` +
        `stroke-width="2.5"${series.dashed ? ' stroke-dasharray="7 4"' : ''}/>`,
      // Markers help read a few points; on a long series they only crowd the line.
      ...(series.points.length > MAX_MARKED_POINTS ? [] : series.points).map(
        (p) =>
          `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3.5" ` +
          `fill="${series.color}"/>`,
      ),
    );
  }

  return parts.join('\n');
}

const BAR_ROW = 30;

function barPanelHeight(panel: BarPanel): number {
  return 40 + panel.bars.length * BAR_ROW + 50;
}

function barPanel(panel: BarPanel): string {
  const plot = { left: 250, right: WIDTH - 110, top: 36 };
  const bottom = plot.top + panel.bars.length * BAR_ROW;
  const xMax = niceCeiling(
    Math.max(1e-9, ...panel.bars.map((b) => b.value), panel.limit?.value ?? 0),
  );
  const sx = (v: number) => plot.left + (v / xMax) * (plot.right - plot.left);
  const parts = [text(20, 22, panel.title, { size: 15, weight: 'bold' })];

  for (const tick of ticks(xMax)) {
    parts.push(
      line(sx(tick), plot.top, sx(tick), bottom, '#e3e3e3'),
      text(sx(tick), bottom + 16, formatNumber(tick), { size: 11, anchor: 'middle' }),
    );
  }

  panel.bars.forEach((bar, i) => {
    const y = plot.top + i * BAR_ROW;
    const value = `${formatNumber(bar.value)} ${panel.unit}${bar.note ? `  ${bar.note}` : ''}`;

    parts.push(
      text(plot.left - 10, y + 19, bar.label, { size: 12, anchor: 'end' }),
      `<rect x="${plot.left}" y="${y + 5}" width="${Math.max(1, sx(bar.value) - plot.left)}" ` +
        `height="${BAR_ROW - 10}" fill="${bar.color ?? COLORS.teamrom}"/>`,
      text(sx(bar.value) + 6, y + 19, value, { size: 11 }),
    );
  });

  parts.push(
    line(plot.left, plot.top, plot.left, bottom, '#888'),
    line(plot.left, bottom, plot.right, bottom, '#888'),
    text((plot.left + plot.right) / 2, bottom + 36, panel.unit, { size: 12, anchor: 'middle' }),
  );

  if (panel.limit) {
    parts.push(
      `<line x1="${sx(panel.limit.value)}" y1="${plot.top - 6}" x2="${sx(panel.limit.value)}" ` +
        `y2="${bottom}" stroke="${COLORS.limit}" stroke-dasharray="6 4"/>`,
      text(sx(panel.limit.value), plot.top - 10, panel.limit.label, {
        size: 11,
        anchor: 'middle',
        fill: COLORS.limit,
      }),
    );
  }

  return parts.join('\n');
}

function text(
  x: number,
  y: number,
  content: string,
  style: { size: number; weight?: string; anchor?: string; fill?: string },
): string {
  return (
    `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${style.size}"` +
    (style.weight ? ` font-weight="${style.weight}"` : '') +
    (style.anchor ? ` text-anchor="${style.anchor}"` : '') +
    (style.fill ? ` fill="${style.fill}"` : '') +
    `>${escape(content)}</text>`
  );
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string): string {
  return (
    `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" ` +
    `y2="${y2.toFixed(1)}" stroke="${stroke}"/>`
  );
}

/** Splits text at spaces into lines that fit the chart's width at the given font size. */
function wrap(content: string, size: number): string[] {
  const perLine = Math.floor((WIDTH - 40) / (size * CHAR_WIDTH));
  const lines: string[] = [];
  let line = '';

  for (const word of content.split(' ').filter(Boolean)) {
    if (line && line.length + 1 + word.length > perLine) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }

  return line ? [...lines, line] : lines;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The smallest of 1, 2, 2.5, 5 or 10 times a power of ten that is at least `value`. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));

  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value) return step * power;
  }

  return 10 * power;
}

/** Five evenly spaced ticks from 0 to max, inclusive. */
function ticks(max: number): number[] {
  return Array.from({ length: 6 }, (_, i) => (max * i) / 5);
}

function formatNumber(n: number): string {
  if (n !== 0 && Math.abs(n) < 0.1) return n.toPrecision(2);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');

  return n.toLocaleString('en-US', { maximumFractionDigits: Math.abs(n) < 10 ? 2 : 1 });
}
