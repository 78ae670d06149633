import { Module } from '@nestjs/common';
import { SiteToday } from './site-today';
import { SitesController } from './sites.controller';
import { SitesService } from './sites.service';
/** Sites and their time zones; exports SiteToday, which every check of a date against a site's day asks. */
@Module({
  controllers: [SitesController],
  providers: [SitesService, SiteToday],
  exports: [SiteToday],
})
export class SitesModule {}
