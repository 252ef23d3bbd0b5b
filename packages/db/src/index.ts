export { createDb, isUniqueViolation, type CreateDbOptions, type Db } from "./create-db";
export { isDatabaseUnreachable, sqlStateOf, whileDatabaseDown } from "./while-database-down";
export { Prisma } from "./generated/prisma/client";
export type {
  ApiToken,
  Build,
  BuildLogChunk,
  BuildStep,
  OutboxMessage,
  Publish,
  Repository,
  WebhookDelivery,
} from "./generated/prisma/client";
export { BuildStatus, BuildTrigger, DeliveryOutcome, FailureClass, RefType } from "./generated/prisma/enums";
export type { PublishStatus, SecretKind } from "./generated/prisma/enums";
