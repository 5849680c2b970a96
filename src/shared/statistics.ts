/**
 * The small statistics of the sampling intervals (docs/measures.md, "Sampling error"): Student's t
 * quantile and the delete-one-group jackknife. Pure functions, no imports, so the engine, the report
 * formatting and the webview can all use them.
 */

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, nine terms: about 15 digits). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The continued fraction of the regularised incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** I_x(a, b), the regularised incomplete beta function. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (bisection on the CDF; p in (0, 1)). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`df must be positive, got ${df}`);
  let low = -1e3;
  let high = 1e3;
  for (let i = 0; i < 200 && high - low > 1e-12; i++) {
    const mid = (low + high) / 2;
    if (studentTCdf(mid, df) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/**
 * The delete-one-group jackknife standard error of a statistic of group means. `values[g]` is group
 * g's vector of means (each of `sizes[g]` samples); `statistic` maps a vector of pooled means (the
 * size-weighted mean over the groups kept) to the number. For a statistic linear in the means with
 * equal groups, this is the between-group standard deviation over √K.
 */
export function jackknifeStandardError(
  values: readonly (readonly number[])[],
  sizes: readonly number[],
  statistic: (means: number[]) => number,
): number {
  return jackknife(values, sizes, statistic).standardError;
}

/** The jackknife of jackknifeStandardError, also with the skewness of its pseudo-values (hallInterval's γ). */
export function jackknife(
  values: readonly (readonly number[])[],
  sizes: readonly number[],
  statistic: (means: number[]) => number,
): { standardError: number; skewness: number } {
  const groups = values.length;
  if (groups < 2) return { standardError: NaN, skewness: 0 };
  const width = values[0].length;
  const total = sizes.reduce((s, n) => s + n, 0);
  const sums = new Array<number>(width).fill(0);
  values.forEach((v, g) => v.forEach((x, j) => (sums[j] += sizes[g] * x)));
  const leaveOut = values.map((v, g) => statistic(sums.map((s, j) => (s - sizes[g] * v[j]) / (total - sizes[g]))));
  return leaveOutSpread(leaveOut);
}

/**
 * From K delete-one-group values θ₍₋g₎: the jackknife standard error √((K−1)/K · Σ(θ₍₋g₎ − θ̄)²) and
 * the skewness of the pseudo-values K·θ̂ − (K−1)·θ₍₋g₎ (the group means, for a mean over equal
 * groups), which is minus the leave-out values' own.
 */
export function leaveOutSpread(leaveOut: readonly number[]): { standardError: number; skewness: number } {
  const groups = leaveOut.length;
  const mean = leaveOut.reduce((s, x) => s + x, 0) / groups;
  const spread = leaveOut.reduce((s, x) => s + (x - mean) ** 2, 0);
  return { standardError: Math.sqrt(((groups - 1) / groups) * spread), skewness: -sampleSkewness(leaveOut) };
}

/** The adjusted Fisher–Pearson sample skewness G₁; 0 below three values or without spread. */
export function sampleSkewness(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 3) return 0;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const m2 = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
  const m3 = xs.reduce((s, x) => s + (x - mean) ** 3, 0) / n;
  if (!(m2 > 0)) return 0;
  return (Math.sqrt(n * (n - 1)) / (n - 2)) * (m3 / m2 ** 1.5);
}

/**
 * A t-interval for a mean over K groups that is second-order correct under skewness: Hall's (1992)
 * cubic transformation of the studentised mean T = (θ̂ − θ)/SE, g(T) = T + aT² + a²T³/3 + b with
 * a = γ/(3√K), b = γ/(6√K), γ the groups' skewness. g is increasing, so g(T) ∈ [−t, t] inverts to
 * θ ∈ [θ̂ − g⁻¹(t)·SE, θ̂ − g⁻¹(−t)·SE]: a right-skewed measure (a few samples carry most of it, so a
 * sample that misses them reads low with a small SE) gets the longer upper side. γ = 0 gives θ̂ ± t·SE.
 */
export function hallInterval(
  estimate: number,
  standardError: number,
  skewness: number,
  groups: number,
  t: number,
): { low: number; high: number } {
  const a = skewness / (3 * Math.sqrt(groups));
  const b = skewness / (6 * Math.sqrt(groups));
  // g(u) = ((1 + a·u)³ − 1)/(3a) + b, so g⁻¹(v) = (∛(1 + 3a(v − b)) − 1)/a.
  const inverse = (v: number) => (Math.abs(a) < 1e-12 ? v - b : (Math.cbrt(1 + 3 * a * (v - b)) - 1) / a);
  return { low: estimate - inverse(t) * standardError, high: estimate - inverse(-t) * standardError };
}

/**
 * The between-group variance of the group means of a Hutchinson-probed quantity, with the probes'
 * own noise removed (a two-way random-effects layout): `a[g][j]` is probe j's estimate on group g.
 * Centring each probe's column removes the common probe effect; the within-group spread of what is
 * left, over the probes, estimates the noise that remains in each group's mean. Never negative.
 */
export function probedBetweenGroupVariance(a: readonly (readonly number[])[]): number {
  const groups = a.length;
  const probes = a[0]?.length ?? 0;
  if (groups < 2 || probes < 1) return NaN;
  const columnMeans = Array.from({ length: probes }, (_, j) => a.reduce((s, row) => s + row[j], 0) / groups);
  const d = a.map((row) => row.map((x, j) => x - columnMeans[j]));
  const groupMeans = d.map((row) => row.reduce((s, x) => s + x, 0) / probes);
  const between = groupMeans.reduce((s, x) => s + x * x, 0) / (groups - 1);
  if (probes < 2) return between;
  const within = d.reduce((s, row, g) => s + row.reduce((t, x) => t + (x - groupMeans[g]) ** 2, 0), 0) / ((groups - 1) * (probes - 1));
  return Math.max(0, between - within / probes);
}
