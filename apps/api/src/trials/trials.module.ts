import { Module } from '@nestjs/common';
import { TrialsController } from './trials.controller';
import { TrialsService } from './trials.service';
/** Trials, their criteria versions, site proposals and screening runs. */
@Module({
  controllers: [TrialsController],
  providers: [TrialsService],
})
export class TrialsModule {}
