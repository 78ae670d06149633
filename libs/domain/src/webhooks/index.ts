export * from './webhook-events';
export * from './webhook-signature';
export * from './webhook-retry';
export * from './endpoint-address';
export * from './webhook-reports';
