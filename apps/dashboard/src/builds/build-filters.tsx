import { ZBuildStatus } from "@slipway/contracts";
import { Search, X } from "lucide-react";
import { useState, type FormEvent } from "react";
import type { BuildFilters } from "../api/queries";

const input =
  "w-full rounded-md border border-zinc-300 bg-white px-2.5 py-1.5 text-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/30 dark:border-zinc-700 dark:bg-zinc-950";

/** Repository, branch and status filters; text fields apply on Enter (or the button), status at once. */
export function BuildFiltersBar({ value, onChange }: { value: BuildFilters; onChange: (f: BuildFilters) => void }) {
  const [repo, setRepo] = useState(value.repo ?? "");
  const [branch, setBranch] = useState(value.branch ?? "");
  // When the filters change from outside (back button, a link), the fields follow: adjusted
  // during render, as React advises, rather than in an effect that renders twice.
  const [shown, setShown] = useState({ repo: value.repo, branch: value.branch });
  if (shown.repo !== value.repo || shown.branch !== value.branch) {
    setShown({ repo: value.repo, branch: value.branch });
    setRepo(value.repo ?? "");
    setBranch(value.branch ?? "");
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onChange({ ...value, repo: repo.trim() || undefined, branch: branch.trim() || undefined });
  };
  const any = value.repo || value.branch || value.status;
  return (
    <form onSubmit={submit} className="grid grid-cols-2 gap-2 sm:flex sm:flex-wrap sm:items-center" aria-label="Filter builds">
      <input
        aria-label="Repository"
        placeholder="owner/repository"
        value={repo}
        onChange={(e) => setRepo(e.target.value)}
        className={`${input} col-span-2 sm:w-56`}
      />
      <input
        aria-label="Branch"
        placeholder="branch or tag"
        value={branch}
        onChange={(e) => setBranch(e.target.value)}
        className={`${input} sm:w-44`}
      />
      <select
        aria-label="Status"
        value={value.status ?? ""}
        onChange={(e) => onChange({ ...value, status: (e.target.value || undefined) as BuildFilters["status"] })}
        className={`${input} sm:w-36`}
      >
        <option value="">any status</option>
        {ZBuildStatus.options.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      <button
        type="submit"
        className="inline-flex items-center justify-center gap-1.5 rounded-md border border-zinc-300 px-3 py-1.5 text-sm font-medium hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
      >
        <Search aria-hidden className="size-4" />
        Filter
      </button>
      {any && (
        <button
          type="button"
          onClick={() => onChange({})}
          className="inline-flex items-center justify-center gap-1 rounded-md px-2 py-1.5 text-sm text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-900"
        >
          <X aria-hidden className="size-4" />
          Clear
        </button>
      )}
    </form>
  );
}
