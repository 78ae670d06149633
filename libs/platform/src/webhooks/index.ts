export * from './secret-box';
export * from './endpoint-guard';
