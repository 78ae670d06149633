import { Module } from '@nestjs/common';
import { SponsorCountsModule } from '../sponsor-counts/sponsor-counts.module';
import { ReferralsController } from './referrals.controller';
import { ReferralsService } from './referrals.service';

/** Referral requests, the contacts sites make for them, and the sponsor's funnel with per-trial tokens. */
@Module({
  imports: [SponsorCountsModule],
  controllers: [ReferralsController],
  providers: [ReferralsService],
})
export class ReferralsModule {}
