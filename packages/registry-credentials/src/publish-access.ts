import { matchRepository } from "@slipway/contracts";
import { canonicalRegistryHost, type RegistryCredentials } from "@slipway/registry";
import type { SecretStore } from "@slipway/secrets";

/** How one repository may publish to one target. */
export type PublishGrant =
  | { kind: "credential"; credential: RegistryCredentials }
  /** the host is in SLIPWAY_PUBLIC_PUBLISH_HOSTS: push without credentials */
  | { kind: "public" }
  | { kind: "refused"; reason: string };

export interface PublishAccessOptions {
  /** where registry credentials are stored; absent when the publisher has no SLIPWAY_SECRET_KEY */
  secrets?: SecretStore;
  /** SLIPWAY_PUBLIC_PUBLISH_HOSTS: registries that take pushes without credentials */
  publicHosts: readonly string[];
}

/**
 * The publish rule: a target's host credential is used only if its repositories allow the
 * building repository (owner/name, case-insensitive); otherwise a host listed as public is
 * pushed to without credentials; otherwise the publish is refused, naming the rule. Read from
 * the store at every call, so a credential added, changed or removed applies to the next
 * publish; the password goes from here to the registry client and nowhere else.
 */
export class PublishAccess {
  private readonly publicHosts: ReadonlySet<string>;

  constructor(private readonly opts: PublishAccessOptions) {
    this.publicHosts = new Set(opts.publicHosts.map(canonicalRegistryHost));
  }

  /** `image`: the target as .slipway.yml names it (for messages); `registry`: its host; `repository`: GitHub owner/name. */
  async resolve(image: string, registry: string, repository: string): Promise<PublishGrant> {
    const host = canonicalRegistryHost(registry);
    let stored;
    try {
      stored = await this.opts.secrets?.open("registry", host);
    } catch (err) {
      return {
        kind: "refused",
        reason: `publish to ${image} refused: the registry credential for ${host} does not open (${(err as Error).message}); the publisher's SLIPWAY_SECRET_KEY must be the api's`,
      };
    }
    if (stored && matchRepository(stored.repositories, repository)) {
      return { kind: "credential", credential: { username: stored.username ?? "", password: stored.value } };
    }
    if (this.publicHosts.has(host)) return { kind: "public" };
    const keyless = this.opts.secrets ? "" : "; this publisher has no SLIPWAY_SECRET_KEY, so it reads no stored credential";
    return {
      kind: "refused",
      reason: `publish to ${image} refused: no registry credential for ${host} allows ${repository} (add one with PUT /api/v1/registries/${host}, or list the host in SLIPWAY_PUBLIC_PUBLISH_HOSTS${keyless})`,
    };
  }
}
