import { NO_EARLIER_BUILD, parseStepName, type StepName } from "@slipway/contracts";
import { Minimatch } from "minimatch";
import type { StepRecord } from "./step-tracker";

/** The build a rebuild is explained against: the last that succeeded on the branch (or the default branch). */
export interface EarlierBuild {
  id: string;
  sha: string;
  /** its Dockerfile steps, by name as BuildKit printed them */
  stepNames: string[];
  /** its .slipway.yml build arguments */
  buildArgs: Record<string, string>;
}

export interface ExplainInput {
  steps: readonly StepRecord[];
  earlier: EarlierBuild | undefined;
  /** this build's .slipway.yml build arguments */
  buildArgs: Record<string, string>;
  /** the build context, relative to the repository root ("." or e.g. "app") */
  context: string;
  /** files changed between the earlier build's commit and this one, from the repository root;
   * { tooMany } when more changed than are matched; undefined when that could not be told
   * (the earlier commit is not in the git mirror) */
  changedFiles: readonly string[] | { tooMany: number } | undefined;
}

const DIGEST_SUFFIX = /@sha256:[0-9a-f]{64}$/;

/**
 * Why each Dockerfile step that BuildKit did not take from its cache ran, compared with the
 * earlier build: the vertex digest of each rebuilt step, and its reason. The first reason that
 * applies, in this order: no earlier build; the base image moved (FROM resolved to another
 * digest); the line itself changed (or is new); an earlier step of the same stage ran (BuildKit
 * rebuilds everything after a change); a COPY --from of a stage that was rebuilt; a file a
 * COPY/ADD reads changed between the two commits; a build argument changed; else the cache had
 * no entry (evicted, or never exported where this build could read it).
 */
export function explainRebuilds(i: ExplainInput): Map<string, string> {
  const reasons = new Map<string, string>();
  const before = new Map<string, Set<string>>();
  const fromBefore = new Map<string, string>();
  for (const name of i.earlier?.stepNames ?? []) {
    const p = parseStepName(name);
    if (!p) continue;
    if (!before.has(p.stage)) before.set(p.stage, new Set());
    before.get(p.stage)!.add(p.text);
    if (p.op === "FROM") fromBefore.set(`${p.stage}\0${p.text.replace(DIGEST_SUFFIX, "")}`, p.text);
  }
  const changedArgs = i.earlier
    ? [...new Set([...Object.keys(i.buildArgs), ...Object.keys(i.earlier.buildArgs)])]
        .filter((k) => i.buildArgs[k] !== i.earlier!.buildArgs[k])
        .sort()
    : [];
  const rebuiltIn = new Map<string, string>();
  // In Dockerfile order: stages as they first appear (a stage copied from ends before the copy),
  // steps by their place in the stage (BuildKit reports cached steps late).
  const stageOrder = new Map<string, number>();
  const parsed = i.steps.flatMap((step) => {
    const p = parseStepName(step.name);
    if (!p) return [];
    if (!stageOrder.has(p.stage)) stageOrder.set(p.stage, stageOrder.size);
    return [{ step, p }];
  });
  parsed.sort((a, b) => stageOrder.get(a.p.stage)! - stageOrder.get(b.p.stage)! || a.p.k - b.p.k);
  for (const { step, p } of parsed) {
    if (step.cached || (!step.startedAt && !step.error)) continue;
    // A FROM is resolved (and its layers pulled) on every build, never "cached": it is a reason
    // only when it names another image or digest than before.
    if (p.op === "FROM" && i.earlier && fromBefore.get(`${p.stage}\0${p.text.replace(DIGEST_SUFFIX, "")}`) === p.text) continue;
    const reason = reasonFor(p, i, before, fromBefore, rebuiltIn, changedArgs);
    reasons.set(step.vertexDigest, reason);
    if (!rebuiltIn.has(p.stage)) rebuiltIn.set(p.stage, p.text);
  }
  return reasons;
}

function reasonFor(
  p: StepName,
  i: ExplainInput,
  before: Map<string, Set<string>>,
  fromBefore: Map<string, string>,
  rebuiltIn: Map<string, string>,
  changedArgs: string[],
): string {
  if (!i.earlier) return `${NO_EARLIER_BUILD} of this branch or the default branch to compare with`;
  if (p.op === "FROM") {
    const old = fromBefore.get(`${p.stage}\0${p.text.replace(DIGEST_SUFFIX, "")}`);
    if (old && old !== p.text)
      return `base image changed: ${p.text.replace(DIGEST_SUFFIX, "").replace(/^FROM\s+/i, "")} (${digestOf(old)} -> ${digestOf(p.text)})`;
  }
  if (!before.get(p.stage)?.has(p.text)) return `Dockerfile line changed: ${short(p.text)}`;
  const earlierStep = rebuiltIn.get(p.stage);
  if (earlierStep) return `an earlier step of this stage was rebuilt: ${short(earlierStep)}`;
  if (p.op === "COPY" || p.op === "ADD") {
    const { from, sources } = copyArgs(p.text);
    if (from !== undefined) {
      if (rebuiltIn.has(from)) return `copies from stage ${from}, which was rebuilt`;
    } else if (i.changedFiles === undefined) {
      return "the files it copies may have changed (the earlier build's commit is not in this host's git mirror)";
    } else if ("tooMany" in i.changedFiles) {
      return `files it copies may have changed (${i.changedFiles.tooMany} files changed in the build context, too many to tell which)`;
    } else {
      const matchers = sourceMatchers(sources);
      const changed = i.changedFiles.filter((f) => readsFile(matchers, f, i.context));
      if (changed.length) return `file changed: ${changed[0]}${changed.length > 1 ? ` (and ${changed.length - 1} more)` : ""}`;
    }
  }
  if (changedArgs.length) return `build argument changed: ${changedArgs.join(", ")}`;
  return "not in the cache this build could read (evicted, or never exported where this host reads it)";
}

/** The flags' --from and the sources of a COPY or ADD (shell or JSON form; the last word is the destination). */
function copyArgs(text: string): { from: string | undefined; sources: string[] } {
  const rest = text.replace(/^\S+\s+/, "");
  let words: string[];
  const json = rest.replace(/^(--\S+\s+)*/, "");
  const flags = rest
    .slice(0, rest.length - json.length)
    .split(/\s+/)
    .filter(Boolean);
  try {
    words = json.startsWith("[") ? (JSON.parse(json) as string[]) : json.split(/\s+/);
  } catch {
    words = json.split(/\s+/);
  }
  const from = flags.find((f) => f.startsWith("--from="))?.slice("--from=".length);
  return { from, sources: words.slice(0, -1) };
}

/** A COPY may name at most this many sources, each this long, for its files to be matched. */
const MAX_SOURCES = 64;
const MAX_SOURCE_LENGTH = 512;

type SourceMatcher = (rel: string) => boolean;

/**
 * Matchers for a COPY's sources, compiled once: a path, a folder (everything under it) or a
 * wildcard pattern, as BuildKit reads them (no brace expansion: `{a,b}` is literal to it).
 */
function sourceMatchers(sources: string[]): SourceMatcher[] {
  return sources.slice(0, MAX_SOURCES).map((s): SourceMatcher => {
    const src = s
      .slice(0, MAX_SOURCE_LENGTH)
      .replace(/^\.?\/+/, "")
      .replace(/\/+$/, "");
    if (src === "" || src === ".") return () => true;
    const opts = { dot: true, nobrace: true, noext: true };
    const exact = new Minimatch(src, opts);
    const under = new Minimatch(`${src}/**`, opts);
    return (rel) => rel === src || rel.startsWith(`${src}/`) || exact.match(rel) || under.match(rel);
  });
}

/** Whether `file` (from the repository root) is read by one of the COPY's sources (from the context). */
function readsFile(matchers: SourceMatcher[], file: string, context: string): boolean {
  const ctx = context.replace(/^\.(\/|$)/, "").replace(/\/+$/, "");
  if (ctx && !file.startsWith(`${ctx}/`)) return false;
  const rel = ctx ? file.slice(ctx.length + 1) : file;
  return matchers.some((m) => m(rel));
}

const short = (s: string) => (s.length > 160 ? `${s.slice(0, 157)}...` : s);
const digestOf = (text: string) => /@(sha256:[0-9a-f]{12})/.exec(text)?.[1] ?? "unknown";
