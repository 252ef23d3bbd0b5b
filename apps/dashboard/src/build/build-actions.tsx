import type { TBuild } from "@slipway/contracts";
import { Ban, RotateCcw } from "lucide-react";
import { useBuildAction } from "../api/queries";
import { useCanWrite } from "../session/use-can-write";

const btn = "inline-flex items-center gap-1.5 rounded-md border px-3 py-1.5 text-sm font-medium disabled:opacity-50";

/** Retry (failed or cancelled builds) and Cancel (queued or running), for tokens that may write; the API's answer or error shown. */
export function BuildActions({ build }: { build: TBuild }) {
  const canWrite = useCanWrite();
  const retry = useBuildAction(build.id, "retry");
  const cancel = useBuildAction(build.id, "cancel");
  const canRetry = build.status === "failed" || build.status === "cancelled";
  const canCancel = build.status === "queued" || build.status === "running";
  const error = retry.error ?? cancel.error;
  const said = error || retry.isSuccess || cancel.isSuccess;
  if (!canWrite || (!canRetry && !canCancel && !said)) return null;
  return (
    <div className="flex flex-col items-start gap-1 sm:items-end">
      <div className="flex gap-2">
        {canRetry && (
          <button
            type="button"
            className={`${btn} border-indigo-600 bg-indigo-600 text-white hover:bg-indigo-500`}
            disabled={retry.isPending}
            onClick={() => {
              cancel.reset();
              retry.mutate();
            }}
          >
            <RotateCcw aria-hidden className="size-4" />
            {retry.isPending ? "Retrying…" : "Retry"}
          </button>
        )}
        {canCancel && (
          <button
            type="button"
            className={`${btn} border-zinc-300 hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900`}
            disabled={cancel.isPending}
            onClick={() => {
              retry.reset();
              cancel.mutate();
            }}
          >
            <Ban aria-hidden className="size-4" />
            {cancel.isPending ? "Cancelling…" : "Cancel"}
          </button>
        )}
      </div>
      <p role="status" className="min-h-4 text-xs" data-testid="action-result">
        {error ? (
          <span className="text-rose-600 dark:text-rose-400">{error.message}</span>
        ) : retry.isSuccess ? (
          <span className="text-zinc-600 dark:text-zinc-400">Queued as attempt {retry.data.attempt}.</span>
        ) : cancel.isSuccess ? (
          <span className="text-zinc-600 dark:text-zinc-400">Cancelled.</span>
        ) : null}
      </p>
    </div>
  );
}
