import { Module } from '@nestjs/common';
import { FeasibilityService } from './feasibility.service';
import { FeasibilitySnapshot } from './feasibility-snapshot';
import { PoolService } from './pool.service';
import { SponsorCohort } from './sponsor-cohort';
import { SponsorCountsController } from './sponsor-counts.controller';
import { SponsorDisclosure } from './sponsor-disclosure';
import { SponsorQueryGate } from './sponsor-query-gate';

/**
 * What sponsors count: trial pools and feasibility queries, with disclosure control (`SponsorDisclosure`)
 * and the per-organisation query limit (`SponsorQueryGate`), exported for any later route that gives
 * sponsors numbers (referral funnels).
 */
@Module({
  controllers: [SponsorCountsController],
  providers: [
    PoolService,
    FeasibilityService,
    FeasibilitySnapshot,
    SponsorCohort,
    SponsorDisclosure,
    SponsorQueryGate,
  ],
  exports: [SponsorDisclosure, SponsorQueryGate],
})
export class SponsorCountsModule {}
