export * from './public';
export * from './actors';
export * from './transactions.fake';
export * from './audit.repository.fake';
export * from './site.repository.fake';
export * from './participant.repository.fake';
export * from './consent.repository.fake';
export * from './schedule.repository.fake';
