/**
 * The one error type this library throws for bad input.
 *
 * Messages follow one shape so users can act on them:
 * `<construct path>: <property> <value> <problem>. Fix: <fix>`.
 */
export class ZeroTrustError extends Error {
  /** The problems this error reports, one sentence each. */
  public readonly problems: readonly string[];

  /**
   * @param problems one or more complete problem sentences
   */
  constructor(problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems:\n- ${problems.join('\n- ')}`);
    this.name = 'ZeroTrustError';
    this.problems = problems;
  }
}

/** One invalid input, described for the user. */
export interface ProblemDetails {
  /** Where the value came from: a construct path, or a file and field. */
  readonly path: string;
  /** The property or field that holds the value. */
  readonly property: string;
  /** The bad value, shown as JSON. */
  readonly value: unknown;
  /** What is wrong with it, e.g. "is out of range 1-65535". */
  readonly problem: string;
  /** What to do instead. */
  readonly fix: string;
}

/** Formats one problem in the library's message shape. */
export function describeProblem(p: ProblemDetails): string {
  return `${p.path}: ${p.property} ${showValue(p.value)} ${p.problem}. Fix: ${p.fix}`;
}

/** Shows a value in a message: JSON for data, truncated when long. */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * Collects problems so that a constructor can report every conflict at once.
 */
export class Problems {
  private readonly list: string[] = [];

  /** Records one problem. */
  public add(details: ProblemDetails): void {
    this.list.push(describeProblem(details));
  }

  /** Records a problem already written as a sentence. */
  public addMessage(message: string): void {
    this.list.push(message);
  }

  /** Whether nothing was recorded. */
  public get isEmpty(): boolean {
    return this.list.length === 0;
  }

  /** Throws a `ZeroTrustError` when any problem was recorded. */
  public throwIfAny(): void {
    if (this.list.length > 0) {
      throw new ZeroTrustError([...this.list]);
    }
  }
}

/** Throws a `ZeroTrustError` for one problem. */
export function fail(details: ProblemDetails): never {
  throw new ZeroTrustError([describeProblem(details)]);
}
