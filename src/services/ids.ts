import { randomUUID } from 'node:crypto';

/** A server-made id with a readable prefix, e.g. `par_3f2a…`. */
export const newId = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '')}`;
