import { useEffect, useState } from "react";

/**
 * Whether `at` (an ISO time) is less than `ms` ago: true until that moment has passed, then
 * false (one timer, no ticking re-renders). No `at`: false.
 */
export function useWithin(at: string | null | undefined, ms: number): boolean {
  // Already over at first render (a build that ended long ago): false at once, no timer needed.
  const [passed, setPassed] = useState<string | null>(() => (at && new Date(at).getTime() + ms <= Date.now() ? at : null));
  useEffect(() => {
    if (!at) return;
    const t = setTimeout(() => setPassed(at), Math.max(0, new Date(at).getTime() + ms - Date.now()));
    return () => clearTimeout(t);
  }, [at, ms]);
  return !!at && passed !== at;
}
