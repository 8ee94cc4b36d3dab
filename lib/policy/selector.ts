import { Problems } from '../core/errors';
import { labelKeyError, labelValueError } from '../core/names';

/** The operator of one label selector requirement. */
export enum SelectorOperator {
  /** The label's value is one of `values`. */
  IN = 'In',
  /** The label is absent, or its value is none of `values`. */
  NOT_IN = 'NotIn',
  /** The label is present, whatever its value. */
  EXISTS = 'Exists',
  /** The label is absent. */
  DOES_NOT_EXIST = 'DoesNotExist',
}

/** One requirement of a label selector, as in Kubernetes `matchExpressions`. */
export interface SelectorRequirement {
  /** The label key. */
  readonly key: string;
  /** How the key's value is compared. */
  readonly operator: SelectorOperator;
  /**
   * The values, for `IN` and `NOT_IN` only.
   * @default - none
   */
  readonly values?: readonly string[];
}

/**
 * A Kubernetes label selector. `LabelSelector.all()` selects everything;
 * every other selector names labels. Values are checked where the selector
 * is used, so the error can name the construct.
 */
export class LabelSelector {
  /** Selects every object (the empty selector `{}`). */
  public static all(): LabelSelector {
    return new LabelSelector({}, [], true);
  }

  /** Selects objects that carry all of `labels`. */
  public static of(labels: { readonly [key: string]: string }): LabelSelector {
    return new LabelSelector(labels, [], false);
  }

  /** Selects objects that carry all of `labels` and meet every requirement. */
  public static expressions(requirements: readonly SelectorRequirement[], labels: { readonly [key: string]: string } = {}): LabelSelector {
    return new LabelSelector(labels, requirements, false);
  }

  /** The exact labels to match, sorted by key. */
  public readonly matchLabels: { readonly [key: string]: string };
  /** The set-based requirements, in the order given. */
  public readonly matchExpressions: readonly SelectorRequirement[];
  /** Whether this selector was built with `all()` on purpose. */
  public readonly selectsAll: boolean;

  private constructor(labels: { readonly [key: string]: string }, requirements: readonly SelectorRequirement[], selectsAll: boolean) {
    const sorted: { [key: string]: string } = {};
    for (const key of Object.keys(labels).sort()) sorted[key] = labels[key];
    this.matchLabels = sorted;
    this.matchExpressions = requirements.map((r) => ({ key: r.key, operator: r.operator, ...(r.values ? { values: [...r.values] } : {}) }));
    this.selectsAll = selectsAll;
  }

  /** Whether the selector has no labels and no requirements, so it matches everything. */
  public get isEmpty(): boolean {
    return Object.keys(this.matchLabels).length === 0 && this.matchExpressions.length === 0;
  }

  /** A stable short text, used in derived names and messages: `app=web,tier!=x`. */
  public describe(): string {
    const parts = Object.entries(this.matchLabels).map(([k, v]) => `${k}=${v}`);
    for (const r of this.matchExpressions) parts.push(`${r.key} ${r.operator}${r.values ? ` (${r.values.join(',')})` : ''}`);
    return parts.length === 0 ? 'all' : parts.join(',');
  }

  /** The selector as Kubernetes JSON (`matchLabels`/`matchExpressions`, empty parts left out). */
  public toJson(): { matchLabels?: { [key: string]: string }; matchExpressions?: { key: string; operator: string; values?: string[] }[] } {
    const out: { matchLabels?: { [key: string]: string }; matchExpressions?: { key: string; operator: string; values?: string[] }[] } = {};
    if (Object.keys(this.matchLabels).length > 0) out.matchLabels = { ...this.matchLabels };
    if (this.matchExpressions.length > 0) {
      out.matchExpressions = this.matchExpressions.map((r) => ({ key: r.key, operator: r.operator, ...(r.values ? { values: [...r.values] } : {}) }));
    }
    return out;
  }

  /** Records every invalid key, value or requirement of this selector. */
  public validate(problems: Problems, path: string, property: string): void {
    for (const [key, value] of Object.entries(this.matchLabels)) {
      const keyError = labelKeyError(key);
      if (keyError) problems.add({ path, property: `${property} label key`, value: key, problem: keyError, fix: 'use a Kubernetes label key such as "app" or "app.kubernetes.io/name"' });
      const valueError = labelValueError(value);
      if (valueError) problems.add({ path, property: `${property} label "${key}"`, value, problem: valueError, fix: 'use the exact label value the pods carry' });
    }
    for (const r of this.matchExpressions) {
      const keyError = labelKeyError(r.key);
      if (keyError) problems.add({ path, property: `${property} requirement key`, value: r.key, problem: keyError, fix: 'use a Kubernetes label key' });
      const needsValues = r.operator === SelectorOperator.IN || r.operator === SelectorOperator.NOT_IN;
      if (needsValues && (!r.values || r.values.length === 0)) {
        problems.add({ path, property: `${property} requirement "${r.key}"`, value: r.operator, problem: 'has no values', fix: 'give at least one value, or use EXISTS / DOES_NOT_EXIST' });
      }
      if (!needsValues && r.values && r.values.length > 0) {
        problems.add({ path, property: `${property} requirement "${r.key}"`, value: r.values, problem: `gives values to ${r.operator}, which takes none`, fix: 'drop the values, or use IN / NOT_IN' });
      }
      for (const v of r.values ?? []) {
        const valueError = labelValueError(v);
        if (valueError) problems.add({ path, property: `${property} requirement "${r.key}" value`, value: v, problem: valueError, fix: 'use a valid label value' });
      }
    }
  }
}
