export { ConfigError, loadConfig } from "./load-config";
export {
  buildRetryFields,
  zCommaList,
  zBool,
  zDatabaseUrl,
  zDockerHost,
  zIntBetween,
  zLogLevel,
  zPort,
  zPositiveInt,
  zRedisUrl,
  zRegistryHost,
  zSecret,
  zSecretKey,
} from "./env-fields";
export { readConfigOrExit, runApp } from "./process-lifecycle";
export { checkGithubFields, githubFields, githubSettingsOf, zPublicUrl, type TGithubSettings } from "./github-fields";
export { gitFields } from "./git-fields";
export { buildkitFields, buildkitTlsProblem, checkBuildkitFields } from "./buildkit-fields";
