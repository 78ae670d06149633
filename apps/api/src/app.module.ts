import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, Environment } from '@registry/config';
import { DatabaseModule } from '@registry/persistence';
import { ClockModule, HealthService, RedisModule } from '@registry/platform';
import { AuditController } from './audit/audit.controller';
import { AuditService } from './audit/audit.service';
import { AuthModule } from './auth/auth.module';
import { BootstrapAdminService } from './auth/bootstrap-admin.service';
import { ConsentsController } from './consents/consents.controller';
import { ConsentsService } from './consents/consents.service';
import { FlagsController } from './flags/flags.controller';
import { FlagsService } from './flags/flags.service';
import { HealthController } from './health/health.controller';
import { TrialsController } from './trials/trials.controller';
import { TrialsService } from './trials/trials.service';
import { ParticipantAccess } from './participants/participant-access';
import { ParticipantsController } from './participants/participants.controller';
import { ParticipantsService } from './participants/participants.service';
import { SchedulesController } from './schedules/schedules.controller';
import { SchedulesService } from './schedules/schedules.service';
import { VisitsController } from './visits/visits.controller';
import { VisitsService } from './visits/visits.service';
import { SitesController } from './sites/sites.controller';
import { SitesService } from './sites/sites.service';
import { SponsorOrganisationsController } from './sponsor-organisations/sponsor-organisations.controller';
import { SponsorOrganisationsService } from './sponsor-organisations/sponsor-organisations.service';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { SponsorQueryAuditInterceptor } from './audit/sponsor-query-audit.interceptor';

@Module({})
export class AppModule {
  static forRoot(config: Environment): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot('api'),
        RedisModule,
        AuthModule,
        ClockModule.forRoot(),
      ],
      controllers: [
        HealthController,
        SitesController,
        SponsorOrganisationsController,
        UsersController,
        AuditController,
        ParticipantsController,
        ConsentsController,
        SchedulesController,
        VisitsController,
        TrialsController,
        FlagsController,
      ],
      providers: [
        HealthService,
        SitesService,
        SponsorOrganisationsService,
        UsersService,
        AuditService,
        BootstrapAdminService,
        ParticipantAccess,
        ParticipantsService,
        ConsentsService,
        SchedulesService,
        VisitsService,
        TrialsService,
        FlagsService,
        // Every query of a sponsor leaves a row in the audit trail.
        { provide: APP_INTERCEPTOR, useClass: SponsorQueryAuditInterceptor },
      ],
    };
  }
}
