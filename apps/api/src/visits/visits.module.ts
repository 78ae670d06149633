import { SitesModule } from '../sites/sites.module';
import { Module } from '@nestjs/common';
import { ConsentsModule } from '../consents/consents.module';
import { ParticipantsModule } from '../participants/participants.module';
import { VisitsController } from './visits.controller';
import { VisitsService } from './visits.service';
/** Recorded visits and their assessments. */
@Module({
  imports: [SitesModule, ParticipantsModule, ConsentsModule],
  controllers: [VisitsController],
  providers: [VisitsService],
})
export class VisitsModule {}
