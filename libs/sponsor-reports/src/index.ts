export * from './referral-funnel.report';
export * from './referral-tokens';
export * from './sponsor-cohort';
export * from './sponsor-disclosure';
export * from './sponsor-reports.module';
export * from './trial-pool.report';
