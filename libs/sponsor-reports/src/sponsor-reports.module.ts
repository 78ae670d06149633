import { Module } from '@nestjs/common';
import { ReferralFunnelReport } from './referral-funnel.report';
import { ReferralTokens } from './referral-tokens';
import { SponsorCohort } from './sponsor-cohort';
import { SponsorDisclosure } from './sponsor-disclosure';
import { TrialPoolReport } from './trial-pool.report';

/**
 * What a sponsor organisation is told about a trial, computed one way whether it asks (the API) or is told
 * (webhooks from the worker): the trial's pool and its referral funnel, every count through the same
 * disclosure control. Needs the persistence and platform providers of the app that imports it.
 */
@Module({
  providers: [SponsorCohort, SponsorDisclosure, ReferralTokens, TrialPoolReport, ReferralFunnelReport],
  exports: [SponsorCohort, SponsorDisclosure, ReferralTokens, TrialPoolReport, ReferralFunnelReport],
})
export class SponsorReportsModule {}
