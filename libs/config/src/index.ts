export * from './environment';
export * from './load-config';
export * from './config.module';
export * from './secrets';
