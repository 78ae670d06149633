/**
 * The one source of "now" for code that decides dates (a site's today, whether a daily re-screen is due).
 * Injected, so that a test can set the day instead of depending on the machine's.
 */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock that stands still at the instant it is set to; for tests. */
export class FixedClock extends Clock {
  private instant: Date;

  constructor(instant: Date | string) {
    super();
    this.instant = new Date(instant);
  }

  now(): Date {
    return new Date(this.instant);
  }

  set(instant: Date | string): void {
    this.instant = new Date(instant);
  }
}
