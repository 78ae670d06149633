import type { AdditiveRelation, CountTable } from '../disclosure/disclosure-control';
import { ReferralContactState, SCREEN_FAIL_REASONS, ScreenFailReason } from './referral-contact';

/** One referral as the funnel counts it: where it stands, and how far it got before it stopped. */
export interface FunnelContact {
  siteCode: string;
  state: ReferralContactState;
  /** It reached `interested` (it may have been declined since). */
  wasInterested: boolean;
  /** It reached `prescreen_booked` (it may have been declined since). */
  wasBooked: boolean;
  screenFailReason: ScreenFailReason | null;
}

/** The stages of the funnel, each a count of referrals that reached it, in order. */
export const FUNNEL_STAGES = [
  'referred',
  'contacted',
  'interested',
  'booked',
  'screenFailed',
  'randomised',
] as const;
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

/**
 * The ways a referral leaves the funnel (or has not yet), which partition every stage: the referred are those
 * still to contact plus the contacted; the contacted are those not reached, those who declined at once and
 * the interested; and so on. Declared to disclosure control as additive relations, so that no suppressed
 * count can be recomputed from the counts beside it.
 */
const C = ReferralContactState;

function emptyCounts(): Record<string, number> {
  const counts: Record<string, number> = {
    referred: 0,
    toContact: 0,
    contacted: 0,
    notReached: 0,
    declinedBeforeInterest: 0,
    interested: 0,
    stillInterested: 0,
    declinedBeforeBooking: 0,
    booked: 0,
    stillBooked: 0,
    declinedAfterBooking: 0,
    screenFailed: 0,
    randomised: 0,
    declined: 0,
  };
  for (const reason of SCREEN_FAIL_REASONS) counts[`screenFailedBy.${reason}`] = 0;
  return counts;
}

function count(counts: Record<string, number>, contact: FunnelContact): void {
  counts.referred++;
  if (contact.state === C.ToContact) {
    counts.toContact++;
    return;
  }
  counts.contacted++;
  if (contact.state === C.Declined) counts.declined++;
  if (contact.state === C.NotReached) counts.notReached++;
  else if (!contact.wasInterested) counts.declinedBeforeInterest++;
  if (!contact.wasInterested) return;
  counts.interested++;
  if (contact.state === C.Interested) counts.stillInterested++;
  else if (!contact.wasBooked) counts.declinedBeforeBooking++;
  if (!contact.wasBooked) return;
  counts.booked++;
  if (contact.state === C.PrescreenBooked) counts.stillBooked++;
  else if (contact.state === C.Declined) counts.declinedAfterBooking++;
  else if (contact.state === C.Randomised) counts.randomised++;
  else if (contact.state === C.ScreenFailed) {
    counts.screenFailed++;
    counts[`screenFailedBy.${contact.screenFailReason ?? 'other'}`]++;
  }
}

/** Within one scope (a site, or overall), which counts add up to which. */
function scopeRelations(prefix: string): AdditiveRelation[] {
  const key = (name: string) => `${prefix}.${name}`;
  return [
    { total: key('referred'), parts: [key('toContact'), key('contacted')] },
    {
      total: key('contacted'),
      parts: [key('notReached'), key('declinedBeforeInterest'), key('interested')],
    },
    {
      total: key('interested'),
      parts: [key('stillInterested'), key('declinedBeforeBooking'), key('booked')],
    },
    {
      total: key('booked'),
      parts: [key('stillBooked'), key('declinedAfterBooking'), key('screenFailed'), key('randomised')],
    },
    {
      total: key('declined'),
      parts: [key('declinedBeforeInterest'), key('declinedBeforeBooking'), key('declinedAfterBooking')],
    },
    {
      total: key('screenFailed'),
      parts: SCREEN_FAIL_REASONS.map((reason) => key(`screenFailedBy.${reason}`)),
    },
  ];
}

/**
 * The funnel of a trial's referrals, per site (`site.<code>.<count>`) and overall (`overall.<count>`), as a
 * table for disclosure control: every count, the partition of each stage into the next stage and the ways
 * out of it, and each overall count as the sum of the sites'. `siteCodes` lists every site asked for
 * referrals, so that a site with none appears with zeros rather than not at all.
 */
export function referralFunnelTable(
  contacts: readonly FunnelContact[],
  siteCodes: readonly string[],
): CountTable {
  const sites = [...new Set([...siteCodes, ...contacts.map((c) => c.siteCode)])].sort();
  const bySite = new Map(sites.map((code) => [code, emptyCounts()]));
  const overall = emptyCounts();
  for (const contact of contacts) {
    count(bySite.get(contact.siteCode)!, contact);
    count(overall, contact);
  }
  const counts: Record<string, number> = {};
  const relations: AdditiveRelation[] = [...scopeRelations('overall')];
  for (const [name, value] of Object.entries(overall)) counts[`overall.${name}`] = value;
  for (const [code, siteCounts] of bySite) {
    for (const [name, value] of Object.entries(siteCounts)) counts[`site.${code}.${name}`] = value;
    relations.push(...scopeRelations(`site.${code}`));
  }
  if (sites.length > 0)
    for (const name of Object.keys(overall))
      relations.push({ total: `overall.${name}`, parts: sites.map((code) => `site.${code}.${name}`) });
  return { counts, relations };
}
