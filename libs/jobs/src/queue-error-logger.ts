import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { QueueName } from './queues';

const REPEAT_EVERY_MS = 30_000;

/**
 * BullMQ reports a lost Redis connection as 'error' events on each queue; unheard, they go to console.error.
 * This turns them into structured warnings, one per queue every 30 s while Redis stays away.
 */
@Injectable()
export class QueueErrorLogger implements OnModuleInit {
  private readonly logger = new Logger('Queue');
  private readonly lastLogged = new Map<string, number>();

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    for (const name of Object.values(QueueName)) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      queue.on('error', (error: Error) => {
        const now = Date.now();
        if (now - (this.lastLogged.get(name) ?? 0) < REPEAT_EVERY_MS) return;
        this.lastLogged.set(name, now);
        this.logger.warn({ msg: 'queue connection error', queue: name, error: error.message });
      });
    }
  }
}
