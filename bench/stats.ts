/** Small statistics helpers for the bench and the soak: medians, percentiles, a least-squares slope. */
import { writeSync } from 'node:fs';

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Nearest-rank percentile (p in 0..100). */
export const pct = (xs: readonly number[], p: number): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};

export const round = (n: number, digits = 2): number => (Number.isFinite(n) ? +n.toFixed(digits) : n);
export const ratio = (a: number, b: number, digits = 3): number => round(a / b, digits);

export const summary = (xs: readonly number[]) => ({
  p50Ms: round(median(xs)),
  p95Ms: round(pct(xs, 95)),
  p99Ms: round(pct(xs, 99)),
  n: xs.length,
});

/** Least-squares slope of y over x. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Progress lines. The stack's logs own stdout and stderr (the harness sends both to a file), so when
 * run by bench/run.ts progress goes to the descriptor in BENCH_PROGRESS_FD; else to stderr.
 */
const progressFd = Number(process.env['BENCH_PROGRESS_FD'] ?? 2);
export const progress = (msg: string): void => {
  writeSync(progressFd, `[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};
