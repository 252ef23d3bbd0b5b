import { z } from "zod";
import { RegistryError } from "./registry-error";
import type { RegistryTransport } from "./registry-transport";

const ZTags = z.object({ tags: z.array(z.string()).nullable().optional() });

/** Every tag of a repository (GET /v2/<name>/tags/list, following the Link header's pages); [] when the repository does not exist. */
export async function listTags(transport: RegistryTransport, registry: string, repository: string): Promise<string[]> {
  const tags: string[] = [];
  let url: string | undefined = `/v2/${repository}/tags/list?n=1000`;
  for (let page = 0; url; page++) {
    if (page >= 1000)
      throw new RegistryError(`${registry}/${repository}: more than 1,000 pages of tags`, { registry, kind: "infrastructure" });
    const res = await transport.request({
      registry,
      repository,
      what: "tag list",
      method: "GET",
      url,
      scopes: [`repository:${repository}:pull`],
      allow: [404],
    });
    if (res.status === 404) {
      await res.body?.cancel();
      return tags;
    }
    const parsed = ZTags.safeParse(await res.json().catch(() => null));
    if (!parsed.success)
      throw new RegistryError(`${registry}/${repository}: the tag list is not {"tags": [...]}`, { registry, kind: "infrastructure" });
    tags.push(...(parsed.data.tags ?? []));
    // Link: </v2/<name>/tags/list?n=1000&last=x>; rel="next"
    url = /<([^>]+)>\s*;\s*rel="?next"?/.exec(res.headers.get("link") ?? "")?.[1];
  }
  return tags;
}
