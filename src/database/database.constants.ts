import { Inject } from '@nestjs/common';

/** Token of the shared {@link Database} (a `Kysely<DatabaseSchema>` over a `pg.Pool`) made by `DatabaseModule`. */
export const DATABASE = Symbol('DATABASE');

/** Injects the shared {@link Database}: `constructor(@InjectDatabase() db: Database)`. */
export const InjectDatabase = () => Inject(DATABASE);
