import { Users1732200000300 } from '../migrations/1732200000300-users';
import { UserAuthorizationData1734200000100 } from '../migrations/1734200000100-user-authorization-data';
import { UserEntity } from './user.entity';

/** What the users module adds to the gateway schema: spread into GATEWAY_PERSISTENCE. */
export const USERS_ENTITIES = [UserEntity];
export const USERS_MIGRATIONS = [Users1732200000300, UserAuthorizationData1734200000100];
