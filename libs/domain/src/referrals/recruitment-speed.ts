import { CalendarDate, daysBetween } from '../schedule/calendar';

/** How long a site took from a person's first eligible flag to their randomisation, summarised. */
export interface RecruitmentSpeed {
  /** How many randomised referrals the figures are made of. */
  n: number;
  /** Days; null when n is 0. */
  median: number | null;
  firstQuartile: number | null;
  thirdQuartile: number | null;
}

/**
 * The quantile `q` (0 to 1) of sorted values, by linear interpolation between the closest ranks (the
 * default of R and NumPy, "type 7"), so a median of an even count is the mean of the middle two.
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('no quantile of nothing');
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/**
 * The registry's own recruitment-speed figure: for each randomised referral, the calendar days from the day
 * the person was first flagged eligible for the trial to the day they were randomised, summarised by the
 * median and quartiles, with n (small n are reported as they are: only admins see these).
 */
export function recruitmentSpeed(
  referrals: readonly { flaggedOn: CalendarDate; randomisedOn: CalendarDate }[],
): RecruitmentSpeed {
  const days = referrals
    .map(({ flaggedOn, randomisedOn }) => daysBetween(flaggedOn, randomisedOn))
    .sort((a, b) => a - b);
  if (days.length === 0) return { n: 0, median: null, firstQuartile: null, thirdQuartile: null };
  return {
    n: days.length,
    median: quantile(days, 0.5),
    firstQuartile: quantile(days, 0.25),
    thirdQuartile: quantile(days, 0.75),
  };
}
