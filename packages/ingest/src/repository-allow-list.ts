import { GITHUB_OWNER, isGithubFullName } from "@slipway/contracts";

/**
 * SLIPWAY_ALLOWED_OWNERS: which repositories the farm builds for. Entries are owners
 * (`acme`) or repositories (`acme/web`), compared case-insensitively as GitHub does. No
 * entries = every repository (the api warns about that at start).
 */
export class RepositoryAllowList {
  private readonly owners = new Set<string>();
  private readonly repos = new Set<string>();

  /** Throws an Error naming the first entry that is neither an owner nor owner/repo. */
  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const e = raw.trim();
      if (!e) continue;
      if (GITHUB_OWNER.test(e)) this.owners.add(e.toLowerCase());
      else if (isGithubFullName(e)) this.repos.add(e.toLowerCase());
      else throw new Error(`"${e}" is neither a GitHub owner nor owner/repo`);
    }
  }

  get allowsAll(): boolean {
    return this.owners.size === 0 && this.repos.size === 0;
  }

  allows(fullName: string): boolean {
    if (this.allowsAll) return true;
    const name = fullName.toLowerCase();
    return this.repos.has(name) || this.owners.has(name.split("/")[0]!);
  }
}
