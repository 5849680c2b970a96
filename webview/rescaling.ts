/**
 * The Rescaling tab: choose a function-preserving rescaling, run it, and see every measure before and
 * after. The invariant measures stay at 1×, the Euclidean ones move: the point of the measure.
 */
import type { PanelState, RescalingChoice } from '../src/shared/protocol.ts';
import type { Report } from '../src/shared/report.ts';
import { Dependencies, type PanelContext, type PanelSection } from './context.ts';
import { el, icon, note, numberCell, on, replaceContent, section, table, tableRegion } from './dom.ts';
import { RunStatusView } from './progress.ts';
import { MAX_RESCALING_SPREAD } from '../src/shared/defaults.ts';
import { mainModel } from '../src/shared/panel-model.ts';
import type { ScaleLink } from '../src/shared/report.ts';
import { balancingFactor } from '../src/shared/rescaling.ts';
import { formatValue, logAxisValue } from './view-model/numbers.ts';
import {
  defaultDraft,
  draftFromChoice,
  OUTPUT_DIFFERENCE_TOLERANCE,
  parseFactor,
  rescalingChoice,
  rescalingComparison,
  rescalingVerdict,
  validateFactors,
  validateSeed,
  validateSpread,
  type ComparisonRow,
} from './view-model/rescaling.ts';
import { isRunning, primaryRun, rescaledRun, reportKey, scaleLinksOf, type RescaleDraft } from './view-model/state.ts';

const KINDS: { kind: RescaleDraft['kind']; label: string; hint: string }[] = [
  {
    kind: 'layer-wise',
    label: 'Layer-wise factors',
    hint: 'Multiply each kernel layer’s weights by a factor; along the network they must multiply to 1.',
  },
  {
    kind: 'random-layer-wise',
    label: 'Random layer-wise',
    hint: `Random factors, each within [1/spread, spread] (spread up to ${MAX_RESCALING_SPREAD}×), that keep the function.`,
  },
  {
    kind: 'neuron-wise',
    label: 'Random neuron-wise',
    hint: 'Scale each hidden unit’s incoming weights by a random λ and its outgoing weights by 1/λ.',
  },
];

const CHANGE_TEXT: Record<ComparisonRow['change'], string> = { unchanged: '≈ 1', moved: 'moved', far: 'moved far', unknown: 'n/a' };

/** A labelled text field with its own error line, wired for screen readers. */
function field(id: string, label: string, value: string, onInput: (text: string) => void, attributes: Record<string, string> = {}) {
  const input = on(
    el('input', {
      id,
      type: 'text',
      inputmode: 'decimal',
      autocomplete: 'off',
      spellcheck: 'false',
      value,
      'aria-describedby': `${id}-error`,
      ...attributes,
    }),
    'input',
    () => onInput(input.value),
  );
  const error = el('span', { id: `${id}-error`, class: 'field-error' });
  const setError = (message: string | null) => {
    input.setAttribute('aria-invalid', String(message !== null));
    error.textContent = message ?? '';
  };
  return { element: el('div', { class: 'field' }, el('label', { for: id }, label), input, error), input, setError };
}

export class RescalingSection implements PanelSection {
  readonly id = 'rescaling';
  readonly label = 'Rescaling';
  readonly element = el('div');
  private readonly form = el('form', {
    class: 'rescale-form',
    'data-testid': 'rescale-form',
    novalidate: true,
    'aria-labelledby': 'rescale-form-heading',
  });
  private readonly runStatus: RunStatusView;
  private readonly results = el('div', { class: 'section-content' });
  private readonly formBuilt = new Dependencies();
  private readonly resultsBuilt = new Dependencies();
  private draft: RescaleDraft = defaultDraft([]);
  /** The model's scale links, one per kernel layer; null until the engine has described the model. */
  private links: ScaleLink[] | null = null;
  private running = false;
  private neuronwiseAvailable = true;
  /** Re-validates the form and updates its messages and the Run button. */
  private refresh: () => void = () => undefined;

  constructor(private readonly context: PanelContext) {
    this.runStatus = new RunStatusView(context.post, false);
    on(this.form, 'submit', (event) => {
      event.preventDefault();
      const choice = rescalingChoice(this.draft, this.links);
      if (choice && !this.running) context.post({ type: 'rescale', choice });
    });
    this.element.append(this.form, this.runStatus.element, this.results);
  }

  update(state: PanelState): void {
    const rescaled = rescaledRun(state);
    const before = primaryRun(state)?.run.report ?? null;
    this.running = isRunning(rescaled?.run);
    const model = mainModel(state);
    this.neuronwiseAvailable = !model || model.symmetries.neuronwise.length > 0;
    const links = scaleLinksOf(state);
    if (this.formBuilt.changed([JSON.stringify(links), this.neuronwiseAvailable])) this.buildForm(links, rescaled?.run.rescaling ?? null);
    this.refresh();
    this.runStatus.update(rescaled);
    const after = rescaled?.run.report ?? null;
    if (this.resultsBuilt.changed([reportKey(before), reportKey(after), !!rescaled]))
      replaceContent(this.results, this.resultsView(before, after, !!rescaled));
  }

  status(state: PanelState): 'running' | 'error' | null {
    const run = rescaledRun(state)?.run;
    return run?.error ? 'error' : isRunning(run) ? 'running' : null;
  }

  private saveDraft(): void {
    this.context.view.rescaleDraft = this.draft;
    this.context.viewChanged();
    this.refresh();
  }

  private buildForm(links: ScaleLink[] | null, lastChoice: RescalingChoice | null): void {
    this.links = links;
    const kernelLayers = (links ?? []).map((l) => l.layer);
    const saved = this.context.view.rescaleDraft;
    this.draft =
      saved && (!links || saved.factors.length === links.length)
        ? { ...saved, factors: [...saved.factors] }
        : lastChoice
          ? draftFromChoice(lastChoice, links ?? [])
          : defaultDraft(links ?? []);
    if (this.draft.kind === 'neuron-wise' && !this.neuronwiseAvailable) this.draft.kind = 'layer-wise';
    // Before the engine has described the model, the random rescalings can run (the engine draws
    // their factors); explicit factors need to know the kernel layers.
    if (this.draft.kind === 'layer-wise' && !links) this.draft.kind = 'random-layer-wise';

    const radios = KINDS.map(({ kind, label, hint }) => {
      const disabled =
        (kind === 'neuron-wise' && !this.neuronwiseAvailable) ||
        (kind === 'layer-wise' && (!links || links.length === 0)) ||
        (kind === 'random-layer-wise' && links !== null && links.every((l) => l.from === 0 && l.to === 0));
      const radio = on(
        el('input', {
          type: 'radio',
          name: 'rescale-kind',
          value: kind,
          id: `rescale-kind-${kind}`,
          'data-testid': `rescale-kind-${kind}`,
          disabled,
          'aria-describedby': `rescale-kind-${kind}-hint`,
        }),
        'change',
        () => {
          this.draft.kind = kind;
          this.saveDraft();
        },
      );
      radio.checked = this.draft.kind === kind;
      return el(
        'div',
        { class: 'radio' },
        radio,
        el('label', { for: radio.id }, label),
        el(
          'span',
          { id: `rescale-kind-${kind}-hint`, class: 'item-hint' },
          !disabled
            ? hint
            : kind === 'neuron-wise'
              ? 'This model has no neuron-wise symmetry.'
              : links
                ? 'This model has no layer-wise symmetry: its activations, merges and output fix every scale.'
                : 'Available once the analysis has read the model.',
        ),
      );
    });

    const factorFields = kernelLayers.map((layer, i) =>
      field(
        `rescale-factor-${i}`,
        layer,
        this.draft.factors[i],
        (text) => {
          this.draft.factors[i] = text;
          this.saveDraft();
        },
        { 'data-testid': 'rescale-factor', 'data-layer': layer },
      ),
    );
    const product = el('output', {
      class: 'product',
      'data-testid': 'rescale-product',
      'aria-live': 'polite',
      for: factorFields.map((f) => f.input.id).join(' '),
    });
    const balance = on(
      el(
        'button',
        { type: 'button', class: 'secondary', 'data-testid': 'rescale-balance' },
        icon('symbol-operator'),
        el('span', {}, 'Set the last factor so the function stays the same'),
      ),
      'click',
      () => {
        const last = balancingFactor(links ?? [], this.draft.factors.map(parseFactor));
        if (last === null) return;
        this.draft.factors[this.draft.factors.length - 1] = String(last);
        factorFields[factorFields.length - 1].input.value = String(last);
        this.saveDraft();
      },
    );
    const layerWise = el(
      'fieldset',
      { class: 'rescale-options', 'data-kind': 'layer-wise' },
      el('legend', {}, 'One factor per kernel layer'),
      el(
        'div',
        { class: 'factor-grid' },
        factorFields.map((f) => f.element),
      ),
      el('div', { class: 'product-line' }, product, balance),
      note(
        'Through positively homogeneous activations (ReLU, linear), scaling layer l by α_l changes nothing the network computes as long as the factors multiply to 1 along the network (and the branches a merge joins carry the same scale); H becomes A⁻¹ H A⁻¹.',
      ),
    );

    const seed = field(
      'rescale-seed',
      'Seed',
      this.draft.seed,
      (text) => {
        this.draft.seed = text;
        this.saveDraft();
      },
      { 'data-testid': 'rescale-seed', inputmode: 'numeric' },
    );
    const spread = field(
      'rescale-spread',
      `Spread (up to ${MAX_RESCALING_SPREAD}×)`,
      this.draft.spread,
      (text) => {
        this.draft.spread = text;
        this.saveDraft();
      },
      { 'data-testid': 'rescale-spread' },
    );
    const random = el(
      'fieldset',
      { class: 'rescale-options', 'data-kind': 'random' },
      el('legend', {}, 'Random rescaling'),
      el('div', { class: 'factor-grid' }, seed.element, spread.element),
    );

    const run = el(
      'button',
      { type: 'submit', class: 'primary', 'data-testid': 'rescale-run' },
      icon('play'),
      el('span', {}, 'Run rescaled analysis'),
    );
    const formError = el('p', { class: 'field-error', 'data-testid': 'rescale-error', id: 'rescale-form-error' });
    run.setAttribute('aria-describedby', formError.id);

    replaceContent(
      this.form,
      el('h2', { id: 'rescale-form-heading' }, 'Rescaling experiment'),
      el('fieldset', { class: 'rescale-kind' }, el('legend', {}, 'Kind of rescaling'), radios),
      !links
        ? note('The factor fields appear once the analysis has read the model; a random rescaling can run now.', {
            'data-testid': 'rescale-waiting',
          })
        : links.length === 0
          ? note('This model has no kernel layers to rescale.')
          : layerWise,
      random,
      el('div', { class: 'form-actions' }, run, formError),
    );

    this.refresh = () => {
      const kind = this.draft.kind;
      layerWise.hidden = kind !== 'layer-wise';
      random.hidden = kind === 'layer-wise';
      spread.element.hidden = kind !== 'random-layer-wise';
      let problem: string | null = null;
      if (kind === 'layer-wise') {
        const validation = validateFactors(this.draft.factors.map(parseFactor), links ?? []);
        factorFields.forEach((f, i) => f.setError(validation.fieldErrors[i] ?? null));
        const productOk = Number.isFinite(validation.product) && validation.error === null;
        product.textContent = `Product: ${Number.isFinite(validation.product) ? formatValue(validation.product, 8) : '—'}${productOk && validation.fieldErrors.every((e) => e === null) ? ' ✓' : ''}`;
        product.classList.toggle('invalid', validation.error !== null);
        problem = validation.error ?? (validation.fieldErrors.some((e) => e !== null) ? 'Correct the highlighted factors.' : null);
      } else {
        const seedError = validateSeed(this.draft.seed);
        const spreadError = kind === 'random-layer-wise' ? validateSpread(this.draft.spread) : null;
        seed.setError(seedError);
        spread.setError(spreadError);
        problem = seedError || spreadError ? 'Correct the highlighted fields.' : null;
      }
      formError.textContent = this.running ? 'A rescaled analysis is running.' : (problem ?? '');
      run.disabled = this.running || rescalingChoice(this.draft, links) === null;
    };
  }

  private resultsView(before: Report | null, after: Report | null, hasRun: boolean): (HTMLElement | null)[] {
    if (!after)
      return [
        hasRun
          ? null
          : note('Choose a rescaling and run it: every measure is then shown before and after, with their ratio.', {
              'data-testid': 'rescaling-empty',
            }),
      ];
    if (!before)
      return [
        note('The comparison needs the analysis of the model before rescaling, which this panel does not have yet.', {
          'data-testid': 'rescaling-empty',
        }),
      ];
    const rows = rescalingComparison(before, after);
    const verdict = rescalingVerdict(rows);
    return [
      section(
        'Before and after',
        { 'data-testid': 'rescaling-results' },
        after.rescaling ? el('p', { 'data-testid': 'rescaling-description' }, `Rescaling: ${after.rescaling.description}.`) : null,
        this.outputDifference(after),
        el(
          'p',
          { class: verdict.invariantWorst?.unexpected ? 'verdict unexpected' : 'verdict', 'data-testid': 'rescaling-verdict' },
          verdict.text,
        ),
        this.networkChart(rows),
        el(
          'div',
          { class: 'chart-grid' },
          this.layerChart(rows, 'λ_max(H)', 'euclidean'),
          this.layerChart(rows, 'λ_max(D H D)', 'invariant'),
        ),
        this.comparisonTable(rows),
      ),
    ];
  }

  private outputDifference(after: Report): HTMLElement | null {
    if (!after.rescaling) return null;
    const d = after.rescaling.maxOutputDifference;
    const unchanged = d <= OUTPUT_DIFFERENCE_TOLERANCE;
    return el(
      'p',
      { class: unchanged ? 'callout ok' : 'callout warn', 'data-testid': 'max-output-difference', 'data-value': String(d) },
      icon(unchanged ? 'pass' : 'warning'),
      ` Max output difference |f_rescaled(x) − f(x)| = ${formatValue(d, 2)}: `,
      unchanged ? 'the function is unchanged (float32 rounding).' : 'larger than float32 rounding — the rescaling changed the function.',
    );
  }

  private networkChart(rows: ComparisonRow[]): HTMLElement {
    const network = rows.filter((r) => r.layer === null && /λ_max|tr/.test(r.measure));
    return this.context.charts.figure({
      id: 'rescaling-network',
      title: 'Whole network, before vs after',
      description: `Grouped bar chart, logarithmic scale, before and after the rescaling: ${network.map((r) => `${r.measure} ${r.beforeText} → ${r.afterText} (${r.ratioText})`).join('; ')}.`,
      type: 'bar',
      labels: network.map((r) => [r.measure, r.ratioText]),
      series: [
        { label: 'before', color: 'green', data: network.map((r) => logAxisValue(r.before)) },
        { label: 'after', color: 'purple', data: network.map((r) => logAxisValue(r.after)) },
      ],
      xTitle: 'measure (ratio after/before)',
      yTitle: 'value (log scale)',
      yLog: true,
    });
  }

  private layerChart(rows: ComparisonRow[], measure: string, kind: 'euclidean' | 'invariant'): HTMLElement {
    const layers = rows.filter((r) => r.layer !== null && r.measure === measure);
    return this.context.charts.figure({
      id: `rescaling-layers-${kind}`,
      title: `${measure} per layer, before vs after (${kind === 'invariant' ? 'invariant' : 'Euclidean'})`,
      description: `Grouped bar chart, logarithmic scale: ${measure} of each layer before and after the rescaling: ${layers.map((r) => `${r.layer} ${r.beforeText} → ${r.afterText} (${r.ratioText})`).join('; ')}.`,
      type: 'bar',
      labels: layers.map((r) => [r.layer ?? '', r.ratioText]),
      series: [
        { label: 'before', color: 'green', data: layers.map((r) => logAxisValue(r.before)) },
        { label: 'after', color: 'purple', data: layers.map((r) => logAxisValue(r.after)) },
      ],
      xTitle: 'layer (ratio after/before)',
      yTitle: `${measure} (log scale)`,
      yLog: true,
    });
  }

  private comparisonTable(rows: ComparisonRow[]): HTMLElement {
    const body = rows.map((r) =>
      el(
        'tr',
        {
          'data-testid': 'rescaling-row',
          'data-key': r.key,
          'data-layer': r.layer,
          'data-invariant': String(r.invariant),
          class: r.unexpected ? 'unexpected' : null,
        },
        el('th', { scope: 'row' }, r.layer ?? 'network'),
        el('td', {}, r.measure),
        numberCell(r.beforeText, r.before, { 'data-measure': 'before' }),
        numberCell(r.afterText, r.after, { 'data-measure': 'after' }),
        el(
          'td',
          {
            class: `num ratio ratio-${r.change}`,
            'data-measure': 'ratio',
            'data-value': r.ratio === null ? null : String(r.ratio),
            'data-change': r.change,
          },
          el('span', { class: 'ratio-value' }, r.ratioText),
          ' ',
          el('span', { class: 'ratio-badge' }, CHANGE_TEXT[r.change]),
        ),
        el('td', {}, r.invariant ? (r.unexpected ? 'invariant — should be ≈ 1×' : 'invariant') : 'Euclidean'),
      ),
    );
    return tableRegion(
      'Before and after table',
      table(
        'Every measure before and after the rescaling, with the ratio after/before',
        ['Scope', 'Measure', 'Before', 'After', 'After / before', 'Kind'],
        body,
        { 'data-testid': 'rescaling-table' },
        [0, 1, 5],
      ),
    );
  }
}
