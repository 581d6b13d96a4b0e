import { pingDatabase, type Db } from '../storage/db.js';

/** True when the database answers a trivial query. */
export const isDatabaseReachable = (db: Db): Promise<boolean> => pingDatabase(db);
