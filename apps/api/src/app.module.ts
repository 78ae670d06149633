import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, Environment } from '@registry/config';
import { DatabaseModule } from '@registry/persistence';
import { AppLogger, ClockModule, createAppLogger, LoggingModule, RedisModule } from '@registry/platform';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ConsentsModule } from './consents/consents.module';
import { FlagsModule } from './flags/flags.module';
import { HealthModule } from './health/health.module';
import { NotificationsModule } from './notifications/notifications.module';
import { OperationsModule } from './operations/operations.module';
import { ParticipantsModule } from './participants/participants.module';
import { SchedulesModule } from './schedules/schedules.module';
import { SitesModule } from './sites/sites.module';
import { SponsorOrganisationsModule } from './sponsor-organisations/sponsor-organisations.module';
import { TrialsModule } from './trials/trials.module';
import { SponsorCountsModule } from './sponsor-counts/sponsor-counts.module';
import { ReferralsModule } from './referrals/referrals.module';
import { UsersModule } from './users/users.module';
import { VisitsModule } from './visits/visits.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** The API: the shared infrastructure, then one module per feature folder, each declaring its own routes. */
@Module({})
export class AppModule {
  /** `logger`: where the API's lines go (default: stdout at LOG_LEVEL); tests pass one of their own. */
  static forRoot(config: Environment, logger?: AppLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(logger ?? createAppLogger('api', config.LOG_LEVEL)),
        DatabaseModule.forRoot('api'),
        RedisModule,
        AuthModule,
        ClockModule.forRoot(),
        HealthModule,
        OperationsModule,
        SitesModule,
        SponsorOrganisationsModule,
        UsersModule,
        AuditModule,
        ParticipantsModule,
        ConsentsModule,
        SchedulesModule,
        VisitsModule,
        TrialsModule,
        SponsorCountsModule,
        ReferralsModule,
        FlagsModule,
        WebhooksModule,
        NotificationsModule,
      ],
    };
  }
}
