import { Injectable } from '@nestjs/common';
import {
  ConsentScope,
  FunnelContact,
  LEFT_THE_REGISTRY,
  PublishedCount,
  ReferralContactState,
  referralFunnelTable,
  scopesHeld,
  SCREEN_FAIL_REASONS,
} from '@registry/domain';
import { ReferralRepository, TrialEntity, Tx } from '@registry/persistence';
import { SiteCalendar } from '@registry/platform';
import { ReferralTokens } from './referral-tokens';
import { SponsorDisclosure } from './sponsor-disclosure';

/** A referral token, and during a key rotation the token under the previous key. */
export interface PublishedReferralToken {
  token: string;
  previousToken: string | null;
}

/** The funnel as the sponsor receives it: counts through disclosure control, and tokens. */
export interface ReferralFunnel {
  trialId: string;
  counts: Record<string, PublishedCount>;
  sites: { siteCode: string; requested: number }[];
  tokens: PublishedReferralToken[];
}

/** How many referrals of one scope (a site, or every site) reached each stage, as published. */
export interface FunnelStages {
  referred: PublishedCount;
  contacted: PublishedCount;
  notReached: PublishedCount;
  interested: PublishedCount;
  booked: PublishedCount;
  screenFailed: PublishedCount;
  screenFailedBy: Record<string, PublishedCount>;
  randomised: PublishedCount;
  declined: PublishedCount;
}

/** The funnel as the API answers it and the `referral.outcome` webhook carries it. */
export interface ReferralFunnelView {
  trialId: string;
  overall: FunnelStages;
  sites: (FunnelStages & { siteCode: string; requested: number })[];
  tokens: PublishedReferralToken[];
}

export function funnelView(funnel: ReferralFunnel): ReferralFunnelView {
  const stages = (prefix: string): FunnelStages => {
    const count = (name: string) => funnel.counts[`${prefix}.${name}`];
    return {
      referred: count('referred'),
      contacted: count('contacted'),
      notReached: count('notReached'),
      interested: count('interested'),
      booked: count('booked'),
      screenFailed: count('screenFailed'),
      screenFailedBy: Object.fromEntries(
        SCREEN_FAIL_REASONS.map((reason) => [reason, count(`screenFailedBy.${reason}`)]),
      ),
      randomised: count('randomised'),
      declined: count('declined'),
    };
  };
  return {
    trialId: funnel.trialId,
    overall: stages('overall'),
    sites: funnel.sites.map(({ siteCode, requested }) => ({
      siteCode,
      requested,
      ...stages(`site.${siteCode}`),
    })),
    tokens: funnel.tokens,
  };
}

/** States from which a sponsor's site has met the person: the sponsor may match them by token. */
const TOKEN_STATES: readonly ReferralContactState[] = [
  ReferralContactState.PrescreenBooked,
  ReferralContactState.ScreenFailed,
  ReferralContactState.Randomised,
];

/**
 * A trial's referral funnel, per site and overall, every count through disclosure control (one question per
 * trial, whether read through the API or carried by a webhook), counting only participants who share data
 * with sponsors on their site's day and are still in the registry; and their per-trial tokens from prescreen
 * booking on, in token order (the list says nothing of who came when).
 */
@Injectable()
export class ReferralFunnelReport {
  constructor(
    private readonly referrals: ReferralRepository,
    private readonly calendar: SiteCalendar,
    private readonly disclosure: SponsorDisclosure,
    private readonly tokens: ReferralTokens,
  ) {}

  async count(tx: Tx, trial: TrialEntity): Promise<ReferralFunnel> {
    const rows = await this.referrals.sponsorReferralRows(tx, trial.id);
    const sites = await this.referrals.requestedSites(tx, trial.id);
    const todayAt = this.calendar.todayAt();
    const shared = rows.filter(
      (row) =>
        !LEFT_THE_REGISTRY.includes(row.participantStatus) &&
        scopesHeld(row.consents, todayAt(row.siteTimeZone)).has(ConsentScope.SponsorDataSharing),
    );
    const contacts: FunnelContact[] = shared.map((row) => ({
      siteCode: row.siteCode,
      state: row.state,
      wasInterested: row.wasInterested,
      wasBooked: row.wasBooked,
      screenFailReason: row.screenFailReason,
    }));
    const table = referralFunnelTable(
      contacts,
      sites.map((site) => site.siteCode),
    );
    const counts = this.disclosure.publish(table, {
      query: { question: 'trial.referral_funnel', trialId: trial.id },
      dataVersion: null,
    });
    const tokens = shared
      .filter((row) => TOKEN_STATES.includes(row.state))
      .map((row) => ({
        token: this.tokens.token(row.participantId, trial.id),
        previousToken: this.tokens.previousToken(row.participantId, trial.id),
      }))
      .sort((a, b) => a.token.localeCompare(b.token));
    return {
      trialId: trial.id,
      counts,
      sites: sites.map(({ siteCode, requested }) => ({ siteCode, requested })),
      tokens,
    };
  }
}
