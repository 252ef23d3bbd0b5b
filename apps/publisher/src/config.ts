import { checkGithubFields, githubFields, loadConfig, zPublicUrl, zDatabaseUrl, zLogLevel, zPositiveInt, zRedisUrl, zRegistryHost, zSecret, zSecretKey } from "@slipway/config";
import { z } from "zod";

/** The publisher's configuration. */
const ZPublisherConfig = z.object({
  DATABASE_URL: zDatabaseUrl,
  REDIS_URL: zRedisUrl,
  /** internal registry host:port @defaultValue 127.0.0.1:5000 */
  SLIPWAY_REGISTRY: zRegistryHost,
  /** signs the publisher's internal-registry credential (pull only; the api's value).
   * Unset: the internal registry is read without credentials */
  SLIPWAY_REGISTRY_SECRET: zSecret(32).optional(),
  /** the encrypted secret store's key (the api's value); unset: stored secrets cannot be read */
  SLIPWAY_SECRET_KEY: zSecretKey.optional(),
  /** publishes at once @defaultValue 2 */
  SLIPWAY_PUBLISH_CONCURRENCY: zPositiveInt(2),
  /** GitHub credentials: the reporter (check runs with an App, commit statuses with a PAT)
   * runs here; unset, nothing is reported */
  ...githubFields,
  /** where people reach the dashboard: checks link to <url>/builds/<id>; unset: no links */
  SLIPWAY_PUBLIC_URL: zPublicUrl,
  LOG_LEVEL: zLogLevel,
}).superRefine(checkGithubFields);

export const loadPublisherConfig = (env: Record<string, string | undefined>) => loadConfig(ZPublisherConfig, env);
