import { matchRepository } from "@slipway/contracts";
import type { Db, SecretKind } from "@slipway/db";
import type { SecretBox } from "./secret-box";

export interface SecretInput {
  kind: SecretKind;
  name: string;
  value: string;
  username?: string | null;
  /** lowercase "owner/*" / "owner/repo" patterns allowed to use it */
  repositories: string[];
}

/** What may be shown of a secret: everything but its value. */
export interface SecretInfo {
  kind: SecretKind;
  name: string;
  username: string | null;
  repositories: string[];
  keyId: string;
  updatedAt: Date;
}

/** A secret's authenticated data: its row's identity, so a sealed value opens in that row only. */
export const secretAad = (kind: SecretKind, name: string): string => `${kind}/${name}`;
const info = { kind: true, name: true, username: true, repositories: true, keyId: true, updatedAt: true } as const;

/**
 * The encrypted store: values are sealed before they reach the database and opened only where
 * a process needs them (publishing, a build's --secret). Nothing here logs or returns a value
 * except read and open.
 */
export class SecretStore {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  /** Creates or replaces a secret; answers what may be shown of it. */
  async put(input: SecretInput): Promise<SecretInfo> {
    const data = {
      username: input.username ?? null,
      repositories: input.repositories,
      sealed: this.box.seal(input.value, secretAad(input.kind, input.name)),
      keyId: this.box.keyId,
    };
    return this.db.secret.upsert({
      where: { kind_name: { kind: input.kind, name: input.name } },
      create: { kind: input.kind, name: input.name, ...data },
      update: data,
      select: info,
    });
  }

  /** The value, or undefined when there is no such secret. Throws if it does not open. */
  async read(kind: SecretKind, name: string): Promise<string | undefined> {
    const row = await this.db.secret.findUnique({ where: { kind_name: { kind, name } }, select: { sealed: true } });
    return row ? this.box.open(row.sealed, secretAad(kind, name)) : undefined;
  }

  /** The value with what may be shown of it (a registry credential's username and
   * repositories), or undefined when there is no such secret. Throws if it does not open. */
  async open(kind: SecretKind, name: string): Promise<(SecretInfo & { value: string }) | undefined> {
    const row = await this.db.secret.findUnique({ where: { kind_name: { kind, name } }, select: { ...info, sealed: true } });
    if (!row) return undefined;
    const { sealed, ...shown } = row;
    return { ...shown, value: this.box.open(sealed, secretAad(kind, name)) };
  }

  /**
   * The value of a secret that `repository` ("owner/name") may use, or undefined when there is
   * no secret by that name or its patterns do not allow that repository: the two answers are
   * the same, so a repository learns nothing about secrets meant for others. A row with no
   * patterns allows no repository.
   */
  async readFor(kind: SecretKind, name: string, repository: string): Promise<string | undefined> {
    const row = await this.db.secret.findUnique({ where: { kind_name: { kind, name } }, select: { sealed: true, repositories: true } });
    if (!row || !matchRepository(row.repositories, repository)) return undefined;
    return this.box.open(row.sealed, secretAad(kind, name));
  }

  /** What may be shown of one secret, or undefined. */
  async find(kind: SecretKind, name: string): Promise<SecretInfo | undefined> {
    return (await this.db.secret.findUnique({ where: { kind_name: { kind, name } }, select: info })) ?? undefined;
  }

  list(kind?: SecretKind): Promise<SecretInfo[]> {
    return this.db.secret.findMany({ ...(kind ? { where: { kind } } : {}), select: info, orderBy: [{ kind: "asc" }, { name: "asc" }] });
  }

  /** true when something was deleted */
  async delete(kind: SecretKind, name: string): Promise<boolean> {
    return (await this.db.secret.deleteMany({ where: { kind, name } })).count > 0;
  }
}
