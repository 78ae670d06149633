import 'reflect-metadata';
import { loadConfig } from '@registry/config';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

/** For the TypeORM CLI (`migration:generate`): the same options the apps use, from the environment. */
export default new DataSource(dataSourceOptions(loadConfig(), 'trialready-cli'));
