import { Module } from '@nestjs/common';
import { ConsentsModule } from '../consents/consents.module';
import { ParticipantsModule } from '../participants/participants.module';
import { VisitsController } from './visits.controller';
import { VisitsService } from './visits.service';
/** Recorded visits and their assessments. */
@Module({
  imports: [ParticipantsModule, ConsentsModule],
  controllers: [VisitsController],
  providers: [VisitsService],
})
export class VisitsModule {}
