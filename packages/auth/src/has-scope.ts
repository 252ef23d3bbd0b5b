import type { TTokenScope } from "@slipway/contracts";

const RANK: Record<TTokenScope, number> = { read: 1, write: 2, admin: 3 };

/** True when `granted` covers `needed`: admin implies write implies read. */
export function hasScope(granted: readonly TTokenScope[], needed: TTokenScope): boolean {
  return granted.some((s) => RANK[s] >= RANK[needed]);
}
