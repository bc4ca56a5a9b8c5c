// A small client of the Ghostypedia API, typed by `api.d.ts`, which openapi-typescript
// generates from /openapi.json (tests/test_ts_client.py). If the document drifts from what
// this code expects, tsc fails.
import createClient from "openapi-fetch";
import type { components, paths } from "./api";

type GhostSummaryPage = components["schemas"]["GhostSummaryPage"];
type GhostDetail = components["schemas"]["GhostDetail"];
type Account = components["schemas"]["Account"];
type Problem = components["schemas"]["ProblemDetails"];

export function connect(baseUrl: string, token?: string) {
  return createClient<paths>({
    baseUrl,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

type Client = ReturnType<typeof connect>;

/** Every entity name matching a search, following `next_cursor` page by page. */
export async function allGhostNames(client: Client, q: string): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await client.GET("/v1/ghosts", {
      params: { query: { q, limit: 50, sort: "name", ...(cursor ? { cursor } : {}) } },
    });
    if (data === undefined) throw new Error(describe(error));
    const page: GhostSummaryPage = data;
    names.push(...page.items.map((ghost) => ghost.name));
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return names;
}

/** One entity's page with its danger level and related entities, or null when there is none. */
export async function ghost(client: Client, slug: string): Promise<GhostDetail | null> {
  const { data, error, response } = await client.GET("/v1/ghosts/{slug}", {
    params: { path: { slug } },
  });
  if (response.status === 404) return null;
  if (data === undefined) throw new Error(describe(error));
  const level: number = data.danger_level;
  void level;
  return data;
}

/** The signed-in account (needs a bearer token). */
export async function me(client: Client): Promise<Account> {
  const { data, error } = await client.GET("/v1/me");
  if (data === undefined) throw new Error(describe(error));
  const role: "reader" | "editor" | "admin" = data.role;
  void role;
  return data;
}

// Errors are problem+json, except aiohttp's own plain-text 400 for an over-long request line.
function describe(problem: Problem | string | undefined): string {
  if (problem === undefined || typeof problem === "string") return problem ?? "no body";
  return `${problem.status} ${problem.title}: ${problem.detail}`;
}
