import { useQueryClient } from "@tanstack/react-query";
import { ArrowLeft } from "lucide-react";
import { useEffect } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { isEnded, useBuild, usePublishes, useSteps } from "../api/queries";
import { queryKeys } from "../api/query-keys";
import { LogViewer } from "../log/log-viewer";
import { Card } from "../ui/card";
import { ErrorNote } from "../ui/error-note";
import { firstLine, formatAgo, shortSha } from "../ui/format";
import { RefLabel } from "../ui/ref-label";
import { StatusBadge } from "../ui/status-badge";
import { useNow } from "../ui/use-now";
import { useWithin } from "../ui/use-within";
import { BuildActions } from "./build-actions";
import { BuildFacts } from "./build-facts";
import { PublishesList } from "./publishes-list";
import { StepTimeline } from "./step-timeline";

const TRIGGER = { push: "pushed", retry: "retried", manual: "started by hand", pull_request: "pull request" } as const;

/** One build: what it is, its attempts, steps on a time axis, publishes, actions and the live log. */
export function BuildPage() {
  const { id = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const build = useBuild(id);
  const b = build.data;
  const asked = Number(params.get("attempt"));
  const attempt = b ? (Number.isInteger(asked) && asked >= 1 && asked <= b.attempt ? asked : b.attempt) : 0;
  const live = !!b && !isEnded(b.status) && attempt === b.attempt;
  const recentlyEnded = useWithin(b?.finishedAt, 120_000);
  const steps = useSteps(id, attempt, live);
  const publishes = usePublishes(id, live || (b?.status === "succeeded" && recentlyEnded));
  const now = useNow(1000, live);
  // The worker stores steps (and queues the publish) as the attempt ends: look again then.
  const client = useQueryClient();
  const ended = !!b && isEnded(b.status);
  useEffect(() => {
    if (!ended) return;
    void client.invalidateQueries({ queryKey: queryKeys.steps(id, attempt) });
    void client.invalidateQueries({ queryKey: queryKeys.publishes(id) });
  }, [ended, id, attempt, client]);

  if (build.error) return <ErrorNote error={build.error} what="this build" />;
  if (!b) return <p className="text-sm text-zinc-500">Loading build…</p>;
  return (
    <div className="space-y-4" data-testid="build-page" data-status={b.status}>
      <Link to="/" className="inline-flex items-center gap-1 text-sm text-zinc-500 hover:text-zinc-900 dark:hover:text-white">
        <ArrowLeft className="size-4" />
        Builds
      </Link>
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
            <StatusBadge status={b.status} />
            <span className="font-medium">{b.repository}</span>
            <RefLabel build={b} />
          </div>
          <h1 className="mt-1 truncate text-xl font-semibold" title={b.commitMessage ?? ""}>
            {firstLine(b.commitMessage) || `Commit ${shortSha(b.sha)}`}
          </h1>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
            <code className="font-mono text-indigo-700 dark:text-indigo-300" title={b.sha}>
              {shortSha(b.sha)}
            </code>{" "}
            · {b.pusher ?? "unknown"} · {TRIGGER[b.trigger]} · queued {formatAgo(b.queuedAt)}
          </p>
        </div>
        <BuildActions build={b} />
      </div>

      {b.error && attempt === b.attempt && (
        <div
          role="alert"
          className="rounded-lg border border-rose-300 bg-rose-50 px-4 py-3 text-sm dark:border-rose-900 dark:bg-rose-950/40"
          data-testid="build-error"
        >
          <span className="font-semibold text-rose-800 dark:text-rose-200">
            {b.error.class === "user" ? "Build failed" : "Infrastructure failure"}:{" "}
          </span>
          <span className="text-rose-800 dark:text-rose-200">{b.error.message}</span>
        </div>
      )}

      <BuildFacts build={b} now={now} />

      {b.attempt > 1 && (
        <nav aria-label="Attempts" className="flex flex-wrap items-center gap-1 text-sm" data-testid="attempts">
          <span className="mr-1 text-zinc-500">Attempt</span>
          {Array.from({ length: b.attempt }, (_, i) => i + 1).map((n) => (
            <button
              key={n}
              type="button"
              aria-current={n === attempt ? "true" : undefined}
              onClick={() => setParams(n === b.attempt ? {} : { attempt: String(n) })}
              className={`min-w-8 rounded-md border px-2 py-0.5 tabular-nums ${n === attempt ? "border-indigo-600 bg-indigo-600 text-white" : "border-zinc-300 hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900"}`}
            >
              {n}
            </button>
          ))}
        </nav>
      )}

      <div className="grid gap-4 xl:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
        <Card title={`Steps · attempt ${attempt}`} testId="steps-card">
          {steps.error ? (
            <div className="p-3">
              <ErrorNote error={steps.error} what="steps" />
            </div>
          ) : (
            <StepTimeline steps={steps.steps} now={now} live={live} />
          )}
        </Card>
        <Card title="Published tags" testId="publishes-card">
          {publishes.error ? (
            <div className="p-3">
              <ErrorNote error={publishes.error} what="publishes" />
            </div>
          ) : (
            <PublishesList publishes={publishes.data?.publishes ?? []} />
          )}
        </Card>
      </div>

      <LogViewer key={`${b.id}:${attempt}`} buildId={b.id} attempt={attempt} live={live} steps={steps.steps} />
    </div>
  );
}
