import { describe, expect, it } from "vitest";
import { dockerfilePlaces } from "./step-kinds";

describe("dockerfilePlaces", () => {
  it("puts steps in Dockerfile order, stages as they first appear, whatever order BuildKit reported them in", () => {
    const steps = [
      "[internal] load build definition from Dockerfile",
      "[build 1/3] FROM base",
      "[build 3/3] RUN make",
      "[stage-1 2/2] COPY --from=build /out /srv",
      "[build 2/3] COPY . .",
      "[stage-1 1/2] FROM busybox",
    ].map((name, index) => ({ index, name }));
    const places = dockerfilePlaces(steps);
    const ordered = [...places].sort(([, a], [, b]) => a[0] - b[0] || a[1] - b[1]).map(([i]) => steps[i]!.name);
    expect(ordered).toEqual([
      "[build 1/3] FROM base",
      "[build 2/3] COPY . .",
      "[build 3/3] RUN make",
      "[stage-1 1/2] FROM busybox",
      "[stage-1 2/2] COPY --from=build /out /srv",
    ]);
    expect(places.has(0)).toBe(false);
  });
});
