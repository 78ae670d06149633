import { BullModule } from '@nestjs/bullmq';
import type { Environment } from '@registry/config';
import { QueueModule } from '@registry/jobs';
import { AppModule } from './app.module';

describe('AppModule', () => {
  it('imports no queue module: the API only writes outbox rows, the worker relays them', () => {
    const imports = AppModule.forRoot({} as Environment).imports ?? [];
    const modules = imports.map((imported) =>
      imported && typeof imported === 'object' && 'module' in imported ? imported.module : imported,
    );
    expect(modules).not.toContain(QueueModule);
    expect(modules).not.toContain(BullModule);
  });
});
