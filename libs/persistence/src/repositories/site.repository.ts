import { Injectable } from '@nestjs/common';
import { SiteEntity } from '../entities/site.entity';
import type { Tx } from './transactions';

/** Sites: where participants are enrolled, each with the time zone its calendar days are counted in. */
@Injectable()
export class SiteRepository {
  /** The IANA time zone of a site that must exist (a participant's, a coordinator's). */
  async timeZoneOf(tx: Tx, siteId: string): Promise<string> {
    const site = await tx.findOneByOrFail(SiteEntity, { id: siteId });
    return site.timeZone;
  }
}
