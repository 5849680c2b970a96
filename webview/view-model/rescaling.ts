/**
 * The Rescaling tab: the experiment form's validation, and the before/after comparison.
 *
 * A layer-wise rescaling multiplies layer l's kernel by α_l; through positively homogeneous
 * activations the network's function is unchanged when the factors fit the model's scale links (for a
 * chain of layers: ∏ α_l = 1), while H moves to A⁻¹ H A⁻¹. The invariant D H D does not move (D scales
 * with A), which is what the comparison makes visible. Which factors fit is the engine's rule, shared
 * (src/shared/rescaling.ts); the links come with the engine's description of the model.
 */
import { MAX_RESCALING_SPREAD } from '../../src/shared/defaults.ts';
import type { RescalingChoice } from '../../src/shared/protocol.ts';
import type { Report, ScaleLink } from '../../src/shared/report.ts';
import { checkLayerwiseFactors } from '../../src/shared/rescaling.ts';
import { formatPercent, formatRatio, formatValue, formatWithError } from './numbers.ts';
import type { RescaleDraft } from './state.ts';

export interface FactorValidation {
  ok: boolean;
  /** The product of the factors that are numbers (NaN when none is). */
  product: number;
  /** One message per field, null when the field is fine. */
  fieldErrors: (string | null)[];
  /** What is wrong with the set as a whole (count, product), null when nothing. */
  error: string | null;
}

/** A factor as typed; NaN when it is not a number, so validation can say which field is wrong. */
export function parseFactor(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? Number.NaN : Number(trimmed);
}

function factorError(f: number): string | null {
  if (Number.isNaN(f)) return 'not a number';
  if (!Number.isFinite(f)) return 'must be finite';
  if (f <= 0) return 'must be positive';
  return null;
}

export function validateFactors(factors: number[], links: readonly ScaleLink[]): FactorValidation {
  const fieldErrors = factors.map(factorError);
  const numbers = factors.filter((f) => Number.isFinite(f));
  const product = numbers.length > 0 ? numbers.reduce((p, f) => p * f, 1) : Number.NaN;
  let error: string | null = null;
  if (factors.length !== links.length) error = `needs one factor per kernel layer: ${links.length}, got ${factors.length}`;
  else if (fieldErrors.every((e) => e === null)) {
    const check = checkLayerwiseFactors(links, factors);
    if (!check.ok) error = check.message;
  }
  return { ok: error === null && fieldErrors.every((e) => e === null), product, fieldErrors, error };
}

export function validateSeed(text: string): string | null {
  const seed = Number(text.trim());
  return text.trim() !== '' && Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff ? null : 'a whole number from 0 to 4294967295';
}

export function validateSpread(text: string): string | null {
  const spread = parseFactor(text);
  return spread > 1 && spread <= MAX_RESCALING_SPREAD ? null : `a number above 1 and at most ${MAX_RESCALING_SPREAD}`;
}

/**
 * Starts from a rescaling that shows the effect at once and keeps the function: every scale the links
 * leave free ×10, so in a chain the first kernel is ×10 and the last ÷10.
 */
export function defaultDraft(links: readonly ScaleLink[]): RescaleDraft {
  const scale = (c: number) => (c === 0 ? 1 : 10);
  const factors = links.map((l) => String(Number((scale(l.to) / scale(l.from)).toPrecision(12))));
  return { kind: 'layer-wise', factors, seed: '0', spread: '10' };
}

/** The form showing a rescaling that was run (e.g. after a reload without a saved draft). */
export function draftFromChoice(choice: RescalingChoice, links: readonly ScaleLink[]): RescaleDraft {
  const base = defaultDraft(links);
  switch (choice.kind) {
    case 'layer-wise':
      return choice.factors.length === links.length ? { ...base, factors: choice.factors.map(String) } : base;
    case 'random-layer-wise':
      return { ...base, kind: choice.kind, seed: String(choice.seed), spread: String(choice.spread) };
    case 'neuron-wise':
      return { ...base, kind: choice.kind, seed: String(choice.seed) };
  }
}

/** The draft as a message to the host, or null while it is invalid (layer-wise factors need the model's links). */
export function rescalingChoice(draft: RescaleDraft, links: readonly ScaleLink[] | null): RescalingChoice | null {
  switch (draft.kind) {
    case 'layer-wise': {
      const factors = draft.factors.map(parseFactor);
      return links && validateFactors(factors, links).ok ? { kind: 'layer-wise', factors } : null;
    }
    case 'random-layer-wise':
      return validateSeed(draft.seed) === null && validateSpread(draft.spread) === null
        ? { kind: 'random-layer-wise', seed: Number(draft.seed), spread: parseFactor(draft.spread) }
        : null;
    case 'neuron-wise':
      return validateSeed(draft.seed) === null ? { kind: 'neuron-wise', seed: Number(draft.seed) } : null;
  }
}

/** How far a ratio is from 1: "unchanged" within 1 %, "far" beyond 2× either way. */
export type RatioChange = 'unchanged' | 'moved' | 'far' | 'unknown';
export const UNCHANGED_WITHIN = 0.01;
export const FAR_FACTOR = 2;

export function ratioChange(ratio: number | null): RatioChange {
  if (ratio === null || !Number.isFinite(ratio) || ratio <= 0) return 'unknown';
  if (Math.abs(ratio - 1) <= UNCHANGED_WITHIN) return 'unchanged';
  return ratio >= FAR_FACTOR || ratio <= 1 / FAR_FACTOR ? 'far' : 'moved';
}

export interface ComparisonRow {
  /** Stable id: "network:euclidean-lambda-max", "layer:<name>:invariantSharpness". */
  key: string;
  measure: string;
  layer: string | null;
  /** Whether theory says this measure does not move under a function-preserving rescaling. */
  invariant: boolean;
  before: number | null;
  after: number | null;
  beforeText: string;
  afterText: string;
  /** after / before; null where before is 0 or a value is missing. */
  ratio: number | null;
  ratioText: string;
  change: RatioChange;
  /** An invariant measure that moved: the rescaling did not preserve the function, or an estimate is noisy. */
  unexpected: boolean;
}

interface MeasureSpec {
  measure: string;
  invariant: boolean;
  value: (r: Report) => number | null;
  text: (r: Report) => string;
}

const NETWORK_MEASURES: (MeasureSpec & { id: string })[] = [
  {
    id: 'euclidean-lambda-max',
    measure: 'λ_max(H)',
    invariant: false,
    value: (r) => r.euclidean.topEigenvalues[0] ?? null,
    text: (r) => formatValue(r.euclidean.topEigenvalues[0]),
  },
  {
    id: 'euclidean-trace',
    measure: 'tr(H)',
    invariant: false,
    value: (r) => r.euclidean.trace,
    text: (r) => formatWithError(r.euclidean.trace, r.euclidean.traceStandardError),
  },
  {
    id: 'invariant-lambda-max',
    measure: 'λ_max(D H D)',
    invariant: true,
    value: (r) => r.invariant.sharpness,
    text: (r) => formatValue(r.invariant.sharpness),
  },
  {
    id: 'invariant-trace',
    measure: 'tr(D H D)',
    invariant: true,
    value: (r) => r.invariant.trace,
    text: (r) => formatWithError(r.invariant.trace, r.invariant.traceStandardError),
  },
  { id: 'loss', measure: 'loss', invariant: true, value: (r) => r.loss, text: (r) => formatValue(r.loss) },
  { id: 'accuracy', measure: 'accuracy', invariant: true, value: (r) => r.accuracy, text: (r) => formatPercent(r.accuracy) },
  { id: 'gradient-norm', measure: '‖∇L‖', invariant: false, value: (r) => r.gradientNorm, text: (r) => formatValue(r.gradientNorm, 3) },
];

const LAYER_MEASURES = [
  { field: 'euclideanSharpness', measure: 'λ_max(H)', invariant: false },
  { field: 'invariantSharpness', measure: 'λ_max(D H D)', invariant: true },
  { field: 'euclideanTrace', measure: 'tr(H)', invariant: false },
  { field: 'invariantTrace', measure: 'tr(D H D)', invariant: true },
] as const;

function row(
  key: string,
  measure: string,
  layer: string | null,
  invariant: boolean,
  before: number | null,
  after: number | null,
  beforeText: string,
  afterText: string,
): ComparisonRow {
  const ratio =
    before !== null && after !== null && before !== 0 && Number.isFinite(before) && Number.isFinite(after) ? after / before : null;
  const change = ratioChange(ratio);
  return {
    key,
    measure,
    layer,
    invariant,
    before,
    after,
    beforeText,
    afterText,
    ratio,
    ratioText: formatRatio(ratio),
    change,
    unexpected: invariant && change !== 'unchanged' && change !== 'unknown',
  };
}

/** Every measure before and after, whole network first, then each layer present in both reports. */
export function rescalingComparison(before: Report, after: Report): ComparisonRow[] {
  const network = NETWORK_MEASURES.map((m) =>
    row(`network:${m.id}`, m.measure, null, m.invariant, m.value(before), m.value(after), m.text(before), m.text(after)),
  );
  const layers = before.perLayer.flatMap((b) => {
    const a = after.perLayer.find((l) => l.name === b.name);
    if (!a) return [];
    return LAYER_MEASURES.map((m) =>
      row(
        `layer:${b.name}:${m.field}`,
        m.measure,
        b.name,
        m.invariant,
        b[m.field],
        a[m.field],
        formatValue(b[m.field]),
        formatValue(a[m.field]),
      ),
    );
  });
  return [...network, ...layers];
}

/** |log ratio|: how far from 1, the same for ×10 and ÷10. */
function distanceFromOne(r: ComparisonRow): number {
  return r.ratio !== null && r.ratio > 0 ? Math.abs(Math.log(r.ratio)) : -1;
}

function furthest(rows: ComparisonRow[]): ComparisonRow | null {
  return rows.reduce<ComparisonRow | null>(
    (best, r) => (r.ratio !== null && (!best || distanceFromOne(r) > distanceFromOne(best)) ? r : best),
    null,
  );
}

export interface RescalingVerdict {
  /** The invariant row furthest from 1 (it should still be ≈ 1). */
  invariantWorst: ComparisonRow | null;
  /** The Euclidean row furthest from 1. */
  euclideanWorst: ComparisonRow | null;
  text: string;
}

function describe(r: ComparisonRow): string {
  return `${r.measure}${r.layer ? ` of ${r.layer}` : ''}`;
}

/** How far a ratio is from 1, as a factor ≥ 1 ("×88", "÷25"). */
export function movedBy(ratio: number): string {
  return ratio >= 1 ? `×${formatValue(ratio, 3)}` : `÷${formatValue(1 / ratio, 3)}`;
}

export function rescalingVerdict(rows: ComparisonRow[]): RescalingVerdict {
  const invariantWorst = furthest(rows.filter((r) => r.invariant));
  const euclideanWorst = furthest(rows.filter((r) => !r.invariant));
  const parts: string[] = [];
  if (invariantWorst?.ratio != null) {
    const deviation = Math.abs(invariantWorst.ratio - 1);
    parts.push(
      invariantWorst.unexpected
        ? `An invariant measure moved: ${describe(invariantWorst)} ${movedBy(invariantWorst.ratio)}.`
        : `The invariant measures stayed within ${formatValue(100 * deviation, 2)}% of their values (largest change: ${describe(invariantWorst)}).`,
    );
  }
  if (euclideanWorst?.ratio != null) {
    parts.push(
      euclideanWorst.change === 'unchanged'
        ? 'The Euclidean measures barely moved: this rescaling is close to the identity.'
        : `The Euclidean measures moved by up to ${movedBy(euclideanWorst.ratio)} (${describe(euclideanWorst)}).`,
    );
  }
  return { invariantWorst, euclideanWorst, text: parts.join(' ') };
}

/** max |f_rescaled − f| at or below this is float32 rounding, not a change of function. */
export const OUTPUT_DIFFERENCE_TOLERANCE = 1e-4;
