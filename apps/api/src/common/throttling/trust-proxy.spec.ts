import { generateSecret, loadConfig, SECRET_VARIABLES } from '@registry/config';
import { trustProxySetting } from './trust-proxy';

describe('TRUST_PROXY', () => {
  const secrets = Object.fromEntries(SECRET_VARIABLES.map((name) => [name, generateSecret()]));
  const load = (TRUST_PROXY: string) => loadConfig({ NODE_ENV: 'test', ...secrets, TRUST_PROXY }).TRUST_PROXY;

  it('trusts no proxy by default: the address of the connection is the client’s', () => {
    expect(trustProxySetting(load(''))).toBe(false);
  });

  it('takes a boolean, a number of hops, or a list of addresses, subnets and Express’s names', () => {
    expect(trustProxySetting(load('true'))).toBe(true);
    expect(trustProxySetting(load('2'))).toBe(2);
    expect(trustProxySetting(load('loopback, 10.0.0.0/8,fd00::/8'))).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
    ]);
  });

  it('refuses anything else at start-up, naming the variable', () => {
    expect(() => load('yes please')).toThrow(/TRUST_PROXY must be false, true, a number of hops/);
    expect(() => load('proxy.example.com')).toThrow(/TRUST_PROXY/);
  });
});
