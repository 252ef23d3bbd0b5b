import type { TRepositoryReach, TTokenScope } from "@slipway/contracts";

/** Who is calling: the token a request authenticated with, and what it may do. */
export interface Principal {
  /** "bootstrap" for SLIPWAY_API_TOKEN, else the database token's id (never the secret) */
  tokenId: string;
  name: string;
  scopes: TTokenScope[];
  /** lowercase "owner/*" / "owner/repo" patterns, or null for every repository */
  repositories: TRepositoryReach;
  /** null: never expires */
  expiresAt: Date | null;
}
