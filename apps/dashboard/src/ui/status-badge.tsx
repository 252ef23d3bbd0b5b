import type { TBuildStatus } from "@slipway/contracts";
import { Ban, CircleCheck, CircleDashed, CircleX, LoaderCircle } from "lucide-react";

const LOOK: Record<TBuildStatus, { label: string; icon: typeof CircleCheck; cls: string }> = {
  queued: { label: "Queued", icon: CircleDashed, cls: "text-amber-600 dark:text-amber-400" },
  running: { label: "Running", icon: LoaderCircle, cls: "text-sky-600 dark:text-sky-400" },
  succeeded: { label: "Succeeded", icon: CircleCheck, cls: "text-emerald-600 dark:text-emerald-400" },
  failed: { label: "Failed", icon: CircleX, cls: "text-rose-600 dark:text-rose-400" },
  cancelled: { label: "Cancelled", icon: Ban, cls: "text-zinc-500 dark:text-zinc-400" },
};

/** A build status as an icon (spinning while running) and, unless `iconOnly`, its word. */
export function StatusBadge({ status, iconOnly = false }: { status: TBuildStatus; iconOnly?: boolean }) {
  const { label, icon: Icon, cls } = LOOK[status];
  return (
    <span className={`inline-flex items-center gap-1.5 font-medium ${cls}`} data-status={status} title={label}>
      <Icon aria-hidden className={`size-4 shrink-0 ${status === "running" ? "animate-spin" : ""}`} />
      {iconOnly ? <span className="sr-only">{label}</span> : <span>{label}</span>}
    </span>
  );
}
