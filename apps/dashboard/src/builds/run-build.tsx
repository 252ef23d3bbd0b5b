import { Play, X } from "lucide-react";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { useRunBuild } from "../api/queries";
import { useCanWrite } from "../session/use-can-write";

const input =
  "w-full rounded-md border border-zinc-300 bg-white px-2.5 py-1.5 text-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/30 dark:border-zinc-700 dark:bg-zinc-950";

/**
 * "Run build" (tokens that may write): repository, an optional branch or tag (the default
 * branch otherwise) and an optional commit on it, sent to POST /api/v1/builds; the new build's
 * page opens, or the API's message shows (no such repository, ref or a malformed sha).
 */
export function RunBuildButton({ open, onToggle }: { open: boolean; onToggle: () => void }) {
  const canWrite = useCanWrite();
  if (!canWrite) return null;
  return (
    <button
      type="button"
      onClick={onToggle}
      aria-expanded={open}
      className="inline-flex items-center gap-1.5 rounded-md border border-indigo-600 bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500"
    >
      <Play aria-hidden className="size-4" />
      Run build
    </button>
  );
}

/** The form the button opens. */
export function RunBuildForm({ repository, onClose }: { repository?: string | undefined; onClose: () => void }) {
  const [repo, setRepo] = useState(repository ?? "");
  const [ref, setRef] = useState("");
  const [sha, setSha] = useState("");
  const run = useRunBuild();
  const navigate = useNavigate();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    run.mutate(
      { repository: repo.trim(), ...(ref.trim() ? { ref: ref.trim() } : {}), ...(sha.trim() ? { sha: sha.trim().toLowerCase() } : {}) },
      { onSuccess: (build) => void navigate(`/builds/${build.id}`) },
    );
  };
  return (
    <form
      onSubmit={submit}
      aria-label="Run build"
      data-testid="run-build"
      className="space-y-2 rounded-lg border border-zinc-200 bg-white p-3 sm:p-4 dark:border-zinc-800 dark:bg-zinc-950"
    >
      <div className="flex items-center justify-between">
        <h2 className="text-sm font-semibold">Run a build</h2>
        <button
          type="button"
          onClick={onClose}
          aria-label="Close"
          className="rounded p-1 text-zinc-500 hover:bg-zinc-100 dark:hover:bg-zinc-900"
        >
          <X aria-hidden className="size-4" />
        </button>
      </div>
      <div className="grid gap-2 sm:grid-cols-[minmax(0,16rem)_minmax(0,12rem)_minmax(0,1fr)_auto] sm:items-center">
        <input
          aria-label="Build repository"
          required
          placeholder="owner/repository"
          value={repo}
          onChange={(e) => setRepo(e.target.value)}
          className={input}
        />
        <input
          aria-label="Branch or tag"
          placeholder="branch or tag (default branch)"
          value={ref}
          onChange={(e) => setRef(e.target.value)}
          className={input}
        />
        <input
          aria-label="Commit"
          placeholder="commit sha (the ref's head)"
          value={sha}
          onChange={(e) => setSha(e.target.value)}
          className={`${input} font-mono`}
        />
        <button
          type="submit"
          disabled={run.isPending || !repo.trim()}
          className="inline-flex items-center justify-center gap-1.5 rounded-md border border-indigo-600 bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-50"
        >
          <Play aria-hidden className="size-4" />
          {run.isPending ? "Queueing…" : "Queue build"}
        </button>
      </div>
      {run.error && (
        <p role="alert" className="text-sm text-rose-600 dark:text-rose-400" data-testid="run-build-error">
          {run.error.message}
        </p>
      )}
    </form>
  );
}
