import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption (AES-256-GCM) of a secret the registry must be able to read back, such as a
 * webhook signing secret, under a key held outside the database (WEBHOOK_SECRET_KEY; the AES key is its
 * SHA-256). Stored as "v1.<iv>.<tag>.<ciphertext>" in base64url; a changed byte or another key fails to open.
 */
const VERSION = 'v1';

function aesKey(keyText: string): Buffer {
  return createHash('sha256').update(keyText, 'utf8').digest();
}

export function sealSecret(plaintext: string, keyText: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', aesKey(keyText), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export function openSecret(sealed: string, keyText: string): string {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || ciphertext === undefined)
    throw new Error('not a sealed secret of a known version');
  const decipher = createDecipheriv('aes-256-gcm', aesKey(keyText), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
    'utf8',
  );
}
