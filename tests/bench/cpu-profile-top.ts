// npx tsx tests/bench/cpu-profile-top.ts <file.cpuprofile> [N] — where a profiled process
// spent its CPU: the N functions with the most self time (V8's --cpu-prof format), and the
// same summed per package (node_modules/<name>, the repository's own packages, node internals).
// Shares are of the busy time (idle samples left out): what the work itself costs.
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function owner(url: string): string {
  if (!url) return "(native/V8)";
  if (url.startsWith("node:")) return "node internals";
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const own = /\/(apps|packages)\/([^/]+)\//.exec(url);
  return own ? `${own[1]}/${own[2]}` : url;
}

function main(): void {
  const [file, n = "25"] = process.argv.slice(2);
  if (!file) throw new Error("usage: cpu-profile-top.ts <file.cpuprofile> [N]");
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  const perOwner = new Map<string, number>();
  let total = 0;
  let idle = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    const f = byId.get(id)!.callFrame;
    if (f.functionName === "(idle)") {
      idle += dt;
      return;
    }
    const key = `${f.functionName || "(anonymous)"}  ${f.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(apps|packages)\//, "$1/")}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    perOwner.set(owner(f.url), (perOwner.get(owner(f.url)) ?? 0) + dt);
    total += dt;
  });
  const print = (title: string, m: Map<string, number>, limit: number) => {
    process.stdout.write(`\n${title} (of ${(total / 1000).toFixed(0)} ms busy; ${(idle / 1000).toFixed(0)} ms idle not shown)\n`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, limit))
      process.stdout.write(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}\n`);
  };
  print("self time by function", self, Number(n));
  print("self time by package", perOwner, 15);
}

main();
