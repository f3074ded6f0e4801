// The KPI chart, drawn as SVG: the measurements as a line with points, the
// target series as a dashed step line (and, dotted, the earlier targets
// over the periods they graded), and the bands the thresholds make of
// it (green, amber, red) behind them. The table beside it says the same in
// words for those who cannot see the colours.
import { s, uid } from './dom.js';
import { dayNumber, isoDate, formatNumber, utcTime } from './format.js';

const M = { left: 56, right: 16, top: 16, bottom: 40 };

// LIMIT is the largest magnitude the chart draws. The API takes any finite
// number, up to about ±1.8e308, but the scale of two such values spans more
// than a double holds: it would be Infinity and every coordinate NaN. A
// value beyond LIMIT is left out of the drawing (the chart says so, and the
// table lists it); targets and thresholds are held to it. 1e300 is far past
// any real measure and far from overflowing.
const LIMIT = 1e300;
const drawable = (v) => Number.isFinite(v) && Math.abs(v) <= LIMIT;
const fit = (v) => (Number.isNaN(v) ? 0 : Math.max(-LIMIT, Math.min(LIMIT, v)));

// bandsFor returns, for a target value, the bands as [from, to,
// tone] in value space between lo and hi.
function bandsFor(kpi, target, lo, hi) {
  const th = kpi.thresholds || {};
  if (kpi.direction === 'DIRECTION_WITHIN_BAND') {
    const gl = fit(th.green_low || 0); const gh = fit(th.green_high || 0); const al = fit(th.amber_low || 0); const ah = fit(th.amber_high || 0);
    return [[lo, al, 'bad'], [al, gl, 'warn'], [gl, gh, 'good'], [gh, ah, 'warn'], [ah, hi, 'bad']];
  }
  const scale = th.kind === 'KIND_RELATIVE' ? Math.abs(target) / 100 : 1;
  const g = fit((th.green_within || 0) * scale);
  const a = fit((th.amber_within || 0) * scale);
  if (kpi.direction === 'DIRECTION_LOWER_IS_BETTER') {
    return [[lo, target + g, 'good'], [target + g, target + a, 'warn'], [target + a, hi, 'bad']];
  }
  return [[lo, target - a, 'bad'], [target - a, target - g, 'warn'], [target - g, hi, 'good']];
}

// niceTicks returns about count round values between lo and hi. Each is
// computed from the first, not by adding steps, which at a large magnitude
// (1e17 and up) may add nothing and never end.
function niceTicks(lo, hi, count) {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => st >= raw) || raw;
  const first = Math.ceil(lo / step) * step;
  const n = Math.min(4 * count, Math.floor((hi - first) / step + 1e-9));
  const ticks = [];
  for (let i = 0; i <= n; i += 1) ticks.push(Number((first + i * step).toPrecision(12)));
  return [...new Set(ticks)];
}

// steps is the target in effect, as columns from lo to hi: one per target
// period (the target in effect is the first whose period ends on or after
// the value's), the last running on.
const steps = (targets, lo, hi) => targets
  .map((t, i) => ({ from: i === 0 ? lo : Math.max(lo, targets[i - 1].x), to: i === targets.length - 1 ? hi : Math.min(hi, t.x), v: t.v }))
  .filter((seg) => seg.to > seg.from);

// stepPath is the SVG path of columns, one step line.
const stepPath = (segs, X, Y) => segs.map((seg, i) => `${i ? 'L' : 'M'}${X(seg.from)},${Y(seg.v)}L${X(seg.to)},${Y(seg.v)}`).join('');

// chart draws the KPI's chart for a box width pixels wide, so that its
// text keeps its size on a phone.
export function chart(kpi, measurements, width = 720) {
  const W = Math.round(Math.max(320, Math.min(960, width)));
  const H = Math.round(Math.max(220, Math.min(320, W * 0.42)));
  const titleId = uid('chart-title');
  const descId = uid('chart-desc');
  const day = (d) => (d && d.year ? dayNumber(d) : NaN);
  const targetsOf = (list) => (list || []).map((t) => ({ x: day(t.period_end), v: fit(Number(t.value || 0)), d: t.period_end }))
    .filter((t) => Number.isFinite(t.x))
    .sort((a, b) => a.x - b.x);
  const targets = targetsOf(kpi.targets);
  const all = measurements.map((m) => ({ x: day(m.period_end), v: Number(m.value || 0), d: m.period_end }))
    .filter((p) => Number.isFinite(p.x))
    .sort((a, b) => a.x - b.x);
  const points = all.filter((p) => drawable(p.v));
  const undrawn = all.length - points.length;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-labelledby': `${titleId} ${descId}` });
  const latest = all[all.length - 1];
  const notDrawn = undrawn ? `${undrawn} ${undrawn === 1 ? 'value is' : 'values are'} too large to draw; the table lists every value.` : '';
  svg.append(s('title', { id: titleId }, `${kpi.title}: measurements against targets`),
    s('desc', { id: descId }, all.length
      ? `${all.length} values from ${isoDate(all[0].d)} to ${isoDate(latest.d)}; the latest is ${formatNumber(latest.v, kpi.unit)}.${notDrawn ? ` ${notDrawn}` : ''}`
      : 'No values yet.'));
  if (undrawn) svg.append(s('text', { x: M.left, y: 12, class: 'note', 'aria-hidden': 'true' }, `Not drawn: ${notDrawn}`));
  const xs = [...points.map((p) => p.x), ...targets.map((t) => t.x)];
  if (!xs.length) return svg;
  let x0 = Math.min(...xs);
  let x1 = Math.max(...xs);
  if (points.length) {
    // The values matter most: a target years away would squeeze them into
    // a sliver, so the chart looks at most a year past the latest value.
    const last = points[points.length - 1].x;
    x0 = points[0].x;
    x1 = Math.max(last + 60, Math.min(x1, last + 365));
  }
  if (x1 - x0 < 30) { x0 -= 15; x1 += 15; }
  const segs = kpi.direction === 'DIRECTION_WITHIN_BAND' || !targets.length ? [{ from: x0, to: x1, v: 0 }] : steps(targets, x0, x1);
  // The targets as they were: each earlier version's, over the periods it
  // graded (from its effective day to the next version's).
  const versions = kpi.direction === 'DIRECTION_WITHIN_BAND' ? [] : kpi.target_history || [];
  const earlier = versions.slice(0, -1).map((v, i) => steps(targetsOf(v.targets),
    Math.max(x0, v.effective_date ? day(v.effective_date) : x0), Math.min(x1, day(versions[i + 1].effective_date))))
    .filter((version) => version.length);
  const th = kpi.thresholds || {};
  const vs = [...points.map((p) => p.v), ...(targets.length ? segs.map((seg) => seg.v) : []), ...earlier.flat().map((seg) => seg.v)];
  if (kpi.direction === 'DIRECTION_WITHIN_BAND') vs.push(fit(th.amber_low || 0), fit(th.amber_high || 0));
  for (const seg of segs) for (const [a, b] of bandsFor(kpi, seg.v, seg.v, seg.v)) vs.push(fit(a), fit(b));
  let y0 = Math.min(...vs);
  let y1 = Math.max(...vs);
  const pad = (y1 - y0 || Math.abs(y1) || 1) * 0.12;
  y0 -= pad; y1 += pad;
  if (kpi.unit === 'UNIT_PERCENT') { y0 = Math.max(y0, Math.min(0, ...vs)); }

  const X = (x) => M.left + ((x - x0) / (x1 - x0)) * (W - M.left - M.right);
  const Y = (v) => H - M.bottom - ((v - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const clampY = (v) => Math.max(y0, Math.min(y1, v));

  // The bands the thresholds make of each target.
  const bands = s('g', { class: 'bands', 'aria-hidden': 'true' });
  if (kpi.direction === 'DIRECTION_WITHIN_BAND' || targets.length) {
    for (const seg of segs) {
      for (const [a, b, tone] of bandsFor(kpi, seg.v, y0, y1)) {
        const top = Y(clampY(Math.max(a, b)));
        const bottom = Y(clampY(Math.min(a, b)));
        if (bottom - top < 0.5) continue;
        bands.append(s('rect', { x: X(seg.from), y: top, width: Math.max(0, X(seg.to) - X(seg.from)), height: bottom - top, class: `band ${tone}` }));
      }
    }
  }
  svg.append(bands);

  const axes = s('g', { class: 'axes', 'aria-hidden': 'true' });
  for (const v of niceTicks(y0, y1, 5)) {
    axes.append(s('line', { x1: M.left, x2: W - M.right, y1: Y(v), y2: Y(v), class: 'grid' }),
      s('text', { x: M.left - 6, y: Y(v) + 4, 'text-anchor': 'end' }, formatNumber(v, kpi.unit)));
  }
  // A tick on the first day of each month (every few months on long spans).
  const start = new Date(x0 * 86400000);
  const months = Math.ceil((x1 - x0) / 30);
  const every = Math.max(1, Math.ceil(months / Math.max(3, Math.floor(W / 90))));
  for (let i = 0; i <= months + 1; i += every) {
    const d = new Date(utcTime(start.getUTCFullYear(), start.getUTCMonth() + i + 1, 1));
    const x = Math.round(d.getTime() / 86400000);
    if (x < x0 || x > x1) continue;
    axes.append(s('line', { x1: X(x), x2: X(x), y1: H - M.bottom, y2: H - M.bottom + 4, class: 'tick' }),
      s('text', { x: X(x), y: H - M.bottom + 18, 'text-anchor': 'middle' },
        // Over years, a month's name alone would say nothing; the year does.
        d.toLocaleDateString(undefined, every >= 12 ? { year: 'numeric', timeZone: 'UTC' }
          : { month: 'short', year: i === 0 || d.getUTCMonth() === 0 ? '2-digit' : undefined, timeZone: 'UTC' })));
  }
  axes.append(s('line', { x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom, class: 'axis' }));
  svg.append(axes);

  for (const version of earlier) svg.append(s('path', { d: stepPath(version, X, Y), class: 'target-then' }));
  if (targets.length && kpi.direction !== 'DIRECTION_WITHIN_BAND') svg.append(s('path', { d: stepPath(segs, X, Y), class: 'target' }));
  if (points.length) {
    svg.append(s('path', { d: points.map((p, i) => `${i ? 'L' : 'M'}${X(p.x)},${Y(p.v)}`).join(''), class: 'series' }));
    const dots = s('g', { class: 'points' });
    for (const p of points) {
      dots.append(s('circle', { cx: X(p.x), cy: Y(p.v), r: 4.5 }, s('title', {}, `${isoDate(p.d)}: ${formatNumber(p.v, kpi.unit)}`)));
    }
    svg.append(dots);
  }
  return svg;
}
