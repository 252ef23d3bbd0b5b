import { AppError, type TTokenScope } from "@slipway/contracts";
import { hasScope } from "./has-scope";
import type { Principal } from "./principal";

/** Throws 403 naming the scope a request needs when the caller's token lacks it. */
export function requireScope(principal: Principal, needed: TTokenScope): void {
  if (!hasScope(principal.scopes, needed)) {
    throw new AppError("forbidden", `this API token lacks the "${needed}" scope this request needs`);
  }
}
