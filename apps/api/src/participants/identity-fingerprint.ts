import { createHmac } from 'node:crypto';

/**
 * A keyed hash of the normalised name and birth date. Equal fingerprints mean "probably the same person";
 * the hash reveals no name to anyone without the key, and the key never leaves the server.
 */
export function identityFingerprint(
  key: string,
  familyName: string,
  givenName: string,
  birthDate: string,
): string {
  const normalise = (text: string) =>
    text
      .normalize('NFKC')
      .toLocaleLowerCase('und')
      .replace(/[\s\p{P}]+/gu, '');
  return createHmac('sha256', key)
    .update([normalise(familyName), normalise(givenName), birthDate].join('|'))
    .digest('hex');
}
