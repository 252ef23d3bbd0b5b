import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { ApiError } from "../api/api-fetch";
import { useSessionQuery } from "../api/queries";
import { ErrorNote } from "../ui/error-note";

/** Shows its children to a signed-in session; sends anyone else to the sign-in page (and back after). */
export function SessionGate({ children }: { children: ReactNode }) {
  const session = useSessionQuery();
  const location = useLocation();
  if (session.isPending) return <div className="p-8 text-sm text-zinc-500">Loading…</div>;
  if (session.error instanceof ApiError && session.error.status === 401) {
    const next = `${location.pathname}${location.search}${location.hash}`;
    return <Navigate to={`/sign-in${next !== "/" ? `?next=${encodeURIComponent(next)}` : ""}`} replace />;
  }
  if (session.error)
    return (
      <div className="p-8">
        <ErrorNote error={session.error} what="your session" />
      </div>
    );
  return <>{children}</>;
}
