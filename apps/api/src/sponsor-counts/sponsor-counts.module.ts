import { Module } from '@nestjs/common';
import { SponsorReportsModule } from '@registry/sponsor-reports';
import { FeasibilityService } from './feasibility.service';
import { FeasibilitySnapshot } from './feasibility-snapshot';
import { PoolService } from './pool.service';
import { SponsorCountsController } from './sponsor-counts.controller';
import { SponsorQueryGate } from './sponsor-query-gate';

/**
 * What sponsors count: trial pools and feasibility queries, with disclosure control (`SponsorDisclosure`,
 * from libs/sponsor-reports, which the worker's webhooks share) and the per-organisation query limit
 * (`SponsorQueryGate`), exported for any later route that gives sponsors numbers (referral funnels).
 */
@Module({
  imports: [SponsorReportsModule],
  controllers: [SponsorCountsController],
  providers: [PoolService, FeasibilityService, FeasibilitySnapshot, SponsorQueryGate],
  exports: [SponsorReportsModule, SponsorQueryGate],
})
export class SponsorCountsModule {}
