// Jest `setupFiles` entry (jest.shared.js): every test file sees the run's secrets in process.env.
import { supplyTestSecrets } from './test-secrets';

supplyTestSecrets();
