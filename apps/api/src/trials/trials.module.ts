import { Module } from '@nestjs/common';
import { SponsorCountsModule } from '../sponsor-counts/sponsor-counts.module';
import { TrialsController } from './trials.controller';
import { TrialsService } from './trials.service';
/** Trials, their criteria versions, site proposals and screening runs. */
@Module({
  imports: [SponsorCountsModule],
  controllers: [TrialsController],
  providers: [TrialsService],
})
export class TrialsModule {}
