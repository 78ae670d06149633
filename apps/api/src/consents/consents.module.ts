import { SitesModule } from '../sites/sites.module';
import { Module } from '@nestjs/common';
import { ParticipantsModule } from '../participants/participants.module';
import { ConsentsController } from './consents.controller';
import { ConsentsService } from './consents.service';
/** Consent documents and participants' consents; exports ConsentsService, whose scopes gate visits. */
@Module({
  imports: [SitesModule, ParticipantsModule],
  controllers: [ConsentsController],
  providers: [ConsentsService],
  exports: [ConsentsService],
})
export class ConsentsModule {}
