import type { TSession } from "@slipway/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { LogOut } from "lucide-react";
import { NavLink, Outlet, useNavigate } from "react-router";
import { apiFetch } from "../api/api-fetch";
import { useFarmEvents } from "../api/farm-events";
import { useSessionQuery } from "../api/queries";
import { Logo } from "./logo";

const navCls = ({ isActive }: { isActive: boolean }) =>
  `rounded-md px-2.5 py-1.5 text-sm font-medium ${isActive ? "bg-zinc-100 text-zinc-900 dark:bg-zinc-800 dark:text-white" : "text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-white"}`;

/** The top bar (pages, who is signed in, sign out) over the page; the app's one event stream lives here. */
export function Layout() {
  useFarmEvents();
  const { data: session } = useSessionQuery();
  const client = useQueryClient();
  const navigate = useNavigate();
  const signOut = useMutation({
    mutationFn: () => apiFetch<void>("/session", { method: "DELETE" }),
    onSuccess: () => {
      client.clear();
      void navigate("/sign-in", { replace: true });
    },
  });
  return (
    <div className="min-h-dvh">
      <header className="sticky top-0 z-20 border-b border-zinc-200 bg-white/90 backdrop-blur dark:border-zinc-800 dark:bg-zinc-950/90">
        <div className="mx-auto flex h-14 max-w-7xl items-center gap-2 px-3 sm:gap-4 sm:px-6">
          <NavLink to="/" className="mr-1 sm:mr-3">
            <Logo />
          </NavLink>
          <nav className="flex gap-1">
            <NavLink to="/" end className={navCls}>
              Builds
            </NavLink>
            <NavLink to="/farm" className={navCls}>
              Farm
            </NavLink>
          </nav>
          <div className="ml-auto flex items-center gap-2">
            {session && <SessionLabel session={session} />}
            <button
              type="button"
              onClick={() => signOut.mutate()}
              title="Sign out"
              className="inline-flex items-center gap-1.5 rounded-md px-2 py-1.5 text-sm text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800"
            >
              <LogOut aria-hidden className="size-4" />
              <span className="hidden sm:inline">Sign out</span>
            </button>
          </div>
        </div>
      </header>
      <main className="mx-auto max-w-7xl px-3 py-4 sm:px-6 sm:py-6">
        <Outlet />
      </main>
    </div>
  );
}

function SessionLabel({ session }: { session: TSession }) {
  const readOnly = !session.scopes.some((s) => s === "write" || s === "admin");
  return (
    <span className="hidden items-center gap-2 text-sm text-zinc-600 sm:inline-flex dark:text-zinc-400" data-testid="session-name">
      {session.name}
      {readOnly && <span className="rounded-full border border-zinc-300 px-2 py-0.5 text-xs dark:border-zinc-700">read-only</span>}
    </span>
  );
}
