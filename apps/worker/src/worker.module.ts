import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigModule, Environment } from '@registry/config';
import { QueueInspector, QueueMetrics, QueueModule } from '@registry/jobs';
import { DatabaseModule } from '@registry/persistence';
import {
  AppLogger,
  Clock,
  ClockModule,
  createAppLogger,
  HealthService,
  LoggingModule,
  MetricsModule,
  RedisModule,
} from '@registry/platform';
import { SponsorReportsModule } from '@registry/sponsor-reports';
import { MaintenanceProcessor } from './maintenance/maintenance.processor';
import { OutboxRelayService } from './outbox/outbox-relay.service';
import { OutboxListener, PgOutboxListener } from './outbox/outbox-listener';
import { BullRelayQueues, RelayQueues } from './outbox/relay-queues';
import { DailyRescreenService } from './screening/daily-rescreen.service';
import { NotificationsProcessor } from './reminders/notifications.processor';
import { RemindersService } from './reminders/reminders.service';
import { EmailService } from './email/email.service';
import { Mailer, SmtpMailer } from './email/mailer';
import { ScreeningProcessor } from './screening/screening.processor';
import { ScreeningService } from './screening/screening.service';
import { CohortRunner } from './screening/cohort-runner';
import { workerPoolSize } from './screening/pool-size';
import { WorkerHealthServer } from './runtime/health-server';
import { WorkerMetrics } from './runtime/worker-metrics';
import { WorkerBootstrapService } from './runtime/worker-bootstrap.service';
import { applyWorkerTiming } from './runtime/worker-options';
import { WebhookDeliveryService } from './webhooks/webhook-delivery.service';
import { WebhookProcessor } from './webhooks/webhook.processor';
import { WebhookReportsProcessor } from './webhooks/webhook-reports.processor';
import { WebhookReportsService } from './webhooks/webhook-reports.service';
import { HttpWebhookSender, WebhookSender } from './webhooks/webhook-sender';

export interface WorkerModuleOptions {
  /** Where "now" comes from (default: the system clock); tests set the day with a FixedClock. */
  clock?: Clock;
  /** Where the worker's lines go (default: stdout at LOG_LEVEL). */
  logger?: AppLogger;
}

@Module({})
export class WorkerModule {
  static forRoot(config: Environment, options: WorkerModuleOptions = {}): DynamicModule {
    applyWorkerTiming(config);
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(options.logger ?? createAppLogger('worker', config.LOG_LEVEL)),
        ClockModule.forRoot(options.clock),
        // The worker's statements read a few thousand rows each through indexes (a cohort re-screen's batch
        // among them); JIT compilation, which PostgreSQL starts on estimated cost, took longer than the
        // statements themselves, and a large cohort batch crosses its cost threshold (docs/PERFORMANCE.md).
        // Its pool is sized for the screening jobs it runs at once (workerPoolSize).
        DatabaseModule.forRoot('worker', { jit: 'off' }, workerPoolSize),
        RedisModule,
        QueueModule.forRoot(),
        DiscoveryModule,
        MetricsModule,
        SponsorReportsModule,
      ],
      providers: [
        HealthService,
        WorkerHealthServer,
        WorkerMetrics,
        QueueInspector,
        QueueMetrics,
        WorkerBootstrapService,
        MaintenanceProcessor,
        OutboxRelayService,
        { provide: OutboxListener, useClass: PgOutboxListener },
        { provide: RelayQueues, useClass: BullRelayQueues },
        ScreeningService,
        CohortRunner,
        DailyRescreenService,
        ScreeningProcessor,
        WebhookDeliveryService,
        { provide: WebhookSender, useClass: HttpWebhookSender },
        WebhookProcessor,
        WebhookReportsService,
        WebhookReportsProcessor,
        RemindersService,
        { provide: Mailer, useClass: SmtpMailer },
        EmailService,
        NotificationsProcessor,
      ],
    };
  }
}
