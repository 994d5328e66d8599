/**
 * A service's notion of "now". Injected wherever time decides an outcome (iat/exp, code and
 * session lifetimes, max_age, secret grace periods, cache lifetimes) so that tests can freeze or
 * move it instead of waiting.
 */
export abstract class Clock {
  abstract now(): Date;

  /** Whole seconds since the epoch, as JWT NumericDate claims use. */
  nowSeconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }
}

export class SystemClock extends Clock {
  override now(): Date {
    return new Date();
  }
}

/** A clock that only moves when told to (tests). */
export class FixedClock extends Clock {
  private current: number;

  constructor(start: Date | number = Date.now()) {
    super();
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  override now(): Date {
    return new Date(this.current);
  }

  set(at: Date | number): void {
    this.current = typeof at === 'number' ? at : at.getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
