/** Latency samples in milliseconds, with exact percentiles (sorted once, on demand). */
export class Samples {
  private values: number[] = [];
  private sorted = true;

  add(ms: number): void {
    this.values.push(ms);
    this.sorted = false;
  }

  get count(): number {
    return this.values.length;
  }

  /** The p-th percentile (0..100), nearest-rank; NaN when empty. */
  percentile(p: number): number {
    if (this.values.length === 0) return Number.NaN;
    if (!this.sorted) {
      this.values.sort((a, b) => a - b);
      this.sorted = true;
    }
    const rank = Math.ceil((p / 100) * this.values.length);
    return this.values[Math.min(this.values.length - 1, Math.max(0, rank - 1))];
  }

  get mean(): number {
    if (this.values.length === 0) return Number.NaN;
    let sum = 0;
    for (const v of this.values) sum += v;
    return sum / this.values.length;
  }

  get sum(): number {
    let sum = 0;
    for (const v of this.values) sum += v;
    return sum;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      p50: round(this.percentile(50)),
      p90: round(this.percentile(90)),
      p99: round(this.percentile(99)),
      max: round(this.percentile(100)),
      mean: round(this.mean),
    };
  }
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function round(n: number, digits = 2): number {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
