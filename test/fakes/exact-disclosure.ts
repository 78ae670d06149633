import { Environment } from '@registry/config';
import { SponsorDisclosure } from '@registry/sponsor-reports';

/**
 * The real disclosure control, set so that a count of 5 or more is published exactly (no noise, no rounding)
 * and 1 to 4 as "<5": service specs can then tell a person counted from one left out.
 */
export function exactDisclosure(): SponsorDisclosure {
  return new SponsorDisclosure(
    Object.assign(new Environment(), {
      DISCLOSURE_NOISE_KEY: 'unit-test-disclosure-key-'.padEnd(48, 'd'),
      DISCLOSURE_MIN_CELL_SIZE: 5,
      DISCLOSURE_ROUND_TO: 1,
      DISCLOSURE_NOISE_BOUND: 0,
    }),
  );
}
