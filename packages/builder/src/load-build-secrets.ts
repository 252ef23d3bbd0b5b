import type { SecretStore } from "@slipway/secrets";
import { InfrastructureFailure, UserFailure } from "./failures";
import type { SecretsDecision } from "./secrets-decision";

export interface LoadBuildSecretsInput {
  /** the encrypted store; absent when this worker has no SLIPWAY_SECRET_KEY */
  store: SecretStore | undefined;
  /** .slipway.yml `secrets:` (unique names, checked by its schema) */
  names: readonly string[];
  /** "owner/name" of the repository being built: a secret's patterns must allow it */
  repository: string;
  /** secretsDecision(build): whether this build gets secrets at all */
  decision: SecretsDecision;
  onLine: (line: string) => void;
}

export interface BuildSecret {
  name: string;
  value: string;
}

/**
 * Opens the secrets a build's .slipway.yml lists, for this repository only.
 * - A build that may not use secrets runs without them; its log says so (a Dockerfile's
 *   `RUN --mount=type=secret` then finds no file, and fails only if it says `required=true`),
 *   because a pull request from a fork should still build, as CI systems do it.
 * - A name that is not stored and a name whose patterns do not allow this repository fail
 *   the build alike (user failure naming the secrets and the rule): the pusher controls
 *   .slipway.yml and must not learn which names other repositories' secrets have.
 * - A worker without SLIPWAY_SECRET_KEY, or a value that does not open: infrastructure
 *   failure (retried: another worker may hold the key), naming only the cause.
 * Values are returned, never logged; only names reach the log.
 */
export async function loadBuildSecrets(i: LoadBuildSecretsInput): Promise<BuildSecret[]> {
  if (!i.names.length) return [];
  const list = i.names.join(", ");
  if (!i.decision.allow) {
    i.onLine(
      `slipway: build secrets ${list} are not given to this build (${i.decision.reason}); RUN --mount=type=secret steps find no file`,
    );
    return [];
  }
  if (!i.store) throw new InfrastructureFailure(`this worker cannot open build secrets (${list}): SLIPWAY_SECRET_KEY is not set on it`);
  const found: BuildSecret[] = [];
  const missing: string[] = [];
  for (const name of i.names) {
    let value: string | undefined;
    try {
      value = await i.store.readFor("build", name, i.repository);
    } catch (err) {
      throw new InfrastructureFailure(`build secret ${name} could not be opened: ${(err as Error).message}`);
    }
    if (value === undefined) missing.push(name);
    else found.push({ name, value });
  }
  if (missing.length) {
    throw new UserFailure(
      `build secret${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not available to ${i.repository}: ` +
        `a build gets only the secrets .slipway.yml lists that are stored with a repository pattern matching it (PUT /api/v1/secrets/NAME with "repositories": ["${i.repository.toLowerCase()}"] or ["owner/*"])`,
    );
  }
  i.onLine(`slipway: build secrets ${list} available to RUN --mount=type=secret,id=NAME (values masked as *** in this log)`);
  return found;
}
