import { Module } from '@nestjs/common';
import { SponsorOrganisationsController } from './sponsor-organisations.controller';
import { SponsorOrganisationsService } from './sponsor-organisations.service';
/** Sponsor organisations, the tenants a sponsor user belongs to. */
@Module({
  controllers: [SponsorOrganisationsController],
  providers: [SponsorOrganisationsService],
})
export class SponsorOrganisationsModule {}
