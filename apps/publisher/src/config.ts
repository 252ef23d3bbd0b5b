import {
  checkGithubFields,
  githubFields,
  loadConfig,
  zPublicUrl,
  zDatabaseUrl,
  zLogLevel,
  zPositiveInt,
  zRedisUrl,
  zRegistryHost,
  zSecret,
  zSecretKey,
  zCommaList,
} from "@slipway/config";
import { canonicalRegistryHost, isRegistryHost } from "@slipway/registry";
import { z } from "zod";

/** Comma-separated registry hosts (host[:port]), canonical (lowercase, Docker Hub's names as docker.io). */
const zRegistryHostList = zCommaList()
  .superRefine((hosts, ctx) => {
    hosts.forEach((h, i) => {
      if (!isRegistryHost(h))
        ctx.addIssue({
          code: "custom",
          message: `entry ${i + 1} is not a registry host[:port]; list hosts like registry.lan:5000, separated by commas`,
        });
    });
  })
  .transform((hosts) => [...new Set(hosts.map(canonicalRegistryHost))]);

/** The publisher's configuration. */
const ZPublisherConfig = z
  .object({
    DATABASE_URL: zDatabaseUrl,
    REDIS_URL: zRedisUrl,
    /** internal registry host:port @defaultValue 127.0.0.1:5000 */
    SLIPWAY_REGISTRY: zRegistryHost,
    /** signs the publisher's internal-registry credential (pull only; the api's value).
     * Unset: the internal registry is read without credentials */
    SLIPWAY_REGISTRY_SECRET: zSecret(32).optional(),
    /** the encrypted secret store's key (the api's value); unset: stored registry credentials
     * cannot be read, so only SLIPWAY_PUBLIC_PUBLISH_HOSTS can be published to */
    SLIPWAY_SECRET_KEY: zSecretKey.optional(),
    /** registries that take pushes without credentials, comma-separated host[:port]: any
     * repository may publish there (unless the image is another repository's). Others need a
     * stored credential that allows the repository @defaultValue none */
    SLIPWAY_PUBLIC_PUBLISH_HOSTS: zRegistryHostList,
    /** publishes at once @defaultValue 2 */
    SLIPWAY_PUBLISH_CONCURRENCY: zPositiveInt(2),
    /** GitHub credentials: the reporter (check runs with an App, commit statuses with a PAT)
     * runs here; unset, nothing is reported */
    ...githubFields,
    /** where people reach the dashboard: checks link to <url>/builds/<id>; unset: no links */
    SLIPWAY_PUBLIC_URL: zPublicUrl,
    LOG_LEVEL: zLogLevel,
  })
  .superRefine(checkGithubFields);

export const loadPublisherConfig = (env: Record<string, string | undefined>) => loadConfig(ZPublisherConfig, env);
