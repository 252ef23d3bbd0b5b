import { useSessionQuery } from "../api/queries";

/** The signed-in token may retry and cancel (write or admin). Read-only tokens see no such buttons. */
export function useCanWrite(): boolean {
  const { data } = useSessionQuery();
  return !!data && data.scopes.some((s) => s === "write" || s === "admin");
}
