export * from './queues';
export * from './queue.module';
export * from './events';
export * from './event-jobs';
export * from './queue-inspector';
export * from './queue-metrics';
