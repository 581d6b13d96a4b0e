import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export type PayoutDetails = Record<string, string>;

const VERSION = 'v1';
const IV_BYTES = 12;

/**
 * AES-256-GCM for partner payout details. The stored form is `v1:<iv>:<tag>:<ciphertext>`
 * (base64url), so a future key rotation can tell old rows from new.
 */
export interface PayoutCipher {
  encrypt(details: PayoutDetails): string;
  decrypt(stored: string): PayoutDetails;
}

export function createPayoutCipher(hexKey: string): PayoutCipher {
  const key = Buffer.from(hexKey, 'hex');
  if (key.length !== 32) throw new Error('The payout encryption key must be 32 bytes (64 hex characters)');
  return {
    encrypt(details) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ciphertext = Buffer.concat([cipher.update(JSON.stringify(details), 'utf8'), cipher.final()]);
      return [VERSION, iv, cipher.getAuthTag(), ciphertext].map(encodePart).join(':');
    },
    decrypt(stored) {
      const [version, iv, tag, ciphertext] = stored.split(':');
      if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error('Unreadable payout details');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const clear = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
      return JSON.parse(clear.toString('utf8')) as PayoutDetails;
    },
  };
}

const encodePart = (part: string | Buffer) => (typeof part === 'string' ? part : part.toString('base64url'));

export const generatePayoutKey = () => randomBytes(32).toString('hex');

/** The fixed run of `*` every mask starts with: the mask's length says nothing about the value's. */
const MASK = '******';

/**
 * A value masked: a fixed run of `*`, then at most its last 4 characters and never more than
 * half of them, so a short value keeps most of itself hidden.
 * @example maskPayoutValue('1234567890') // '******7890'
 * @example maskPayoutValue('12345')      // '******45'
 * @example maskPayoutValue('7')          // '******'
 */
export function maskPayoutValue(value: string): string {
  const characters = [...value];
  const shown = Math.min(4, Math.floor(characters.length / 2));
  return MASK + characters.slice(characters.length - shown).join('');
}

/** Every value masked with {@link maskPayoutValue}. */
export function maskPayoutDetails(details: PayoutDetails): PayoutDetails {
  return Object.fromEntries(Object.entries(details).map(([name, value]) => [name, maskPayoutValue(value)]));
}
