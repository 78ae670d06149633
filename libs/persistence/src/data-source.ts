import 'reflect-metadata';
import { loadConfig } from '@registry/config';
import { DataSource } from 'typeorm';
import { migrationDataSourceOptions } from './data-source-options';

/** For the TypeORM CLI (`migration:generate`): the apps' options, as the owner of the schema. */
export default new DataSource(migrationDataSourceOptions(loadConfig(), 'trialready-cli'));
