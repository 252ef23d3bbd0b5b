import type { TSession } from "@slipway/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { KeyRound } from "lucide-react";
import { useState, type FormEvent } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { apiFetch } from "../api/api-fetch";
import { queryKeys } from "../api/query-keys";
import { Logo } from "../ui/logo";

/** Only paths of this dashboard: `next` comes from the URL, so it must not send anyone elsewhere. */
const safeNext = (next: string | null) => {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return "/";
  // Browsers read a backslash as a slash, so a path with one could name another host.
  const url = new URL(next, window.location.origin);
  return url.origin === window.location.origin ? `${url.pathname}${url.search}${url.hash}` : "/";
};

/**
 * Sign in with an API token. The token goes to POST /api/v1/session once, in the body; the api
 * answers with an http-only cookie. The token is kept nowhere in the page (the field is
 * cleared), never in local storage or the URL.
 */
export function SignInPage() {
  const [token, setToken] = useState("");
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const client = useQueryClient();
  const signIn = useMutation({
    mutationFn: (t: string) => apiFetch<TSession>("/session", { method: "POST", body: { token: t } }),
    onSuccess: (session) => {
      setToken("");
      client.clear();
      client.setQueryData(queryKeys.session, session);
      void navigate(safeNext(params.get("next")), { replace: true });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate(token);
  };
  return (
    <main className="flex min-h-dvh items-center justify-center px-4">
      <form
        onSubmit={submit}
        className="w-full max-w-sm rounded-xl border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900"
      >
        <div className="mb-6 flex items-center gap-2">
          <Logo />
        </div>
        <h1 className="text-lg font-semibold">Sign in</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Paste an API token. Make one with{" "}
          <code className="rounded bg-zinc-100 px-1 dark:bg-zinc-800">npm run token -- create --name me --scope read</code>.
        </p>
        <label htmlFor="token" className="mt-5 block text-sm font-medium">
          API token
        </label>
        <div className="relative mt-1">
          <KeyRound aria-hidden className="absolute left-2.5 top-2.5 size-4 text-zinc-400" />
          <input
            id="token"
            name="token"
            type="password"
            autoComplete="off"
            spellCheck={false}
            required
            autoFocus
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder="slw_…"
            className="w-full rounded-md border border-zinc-300 bg-white py-2 pl-8 pr-3 font-mono text-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/30 dark:border-zinc-700 dark:bg-zinc-950"
          />
        </div>
        {signIn.error && (
          <p role="alert" className="mt-3 text-sm text-rose-600 dark:text-rose-400">
            {signIn.error.message}
          </p>
        )}
        <button
          type="submit"
          disabled={signIn.isPending || !token.trim()}
          className="mt-5 w-full rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-50"
        >
          {signIn.isPending ? "Signing in…" : "Sign in"}
        </button>
        <p className="mt-4 text-xs text-zinc-500">
          The token is kept in an http-only cookie for this browser, never where scripts can read it.
        </p>
      </form>
    </main>
  );
}
