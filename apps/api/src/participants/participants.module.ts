import { SitesModule } from '../sites/sites.module';
import { Module } from '@nestjs/common';
import { ParticipantAccess } from './participant-access';
import { ParticipantsController } from './participants.controller';
import { ParticipantsService } from './participants.service';
/** Participants and their identities; exports ParticipantAccess, which every participant-scoped feature asks. */
@Module({
  imports: [SitesModule],
  controllers: [ParticipantsController],
  providers: [ParticipantAccess, ParticipantsService],
  exports: [ParticipantAccess],
})
export class ParticipantsModule {}
