import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { SponsorQueryAuditInterceptor } from './sponsor-query-audit.interceptor';

/** Reading the audit trail; and, for every route, the audit row each sponsor query leaves. */
@Module({
  controllers: [AuditController],
  providers: [
    AuditService,
    // Every query of a sponsor leaves a row in the audit trail.
    { provide: APP_INTERCEPTOR, useClass: SponsorQueryAuditInterceptor },
  ],
})
export class AuditModule {}
