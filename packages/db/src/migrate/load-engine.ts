// Loads Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm), the
// way Prisma 6's CLI does, so migrations need no native engine download: a panic registry
// on globalThis, the wasm-bindgen glue, then the .wasm instantiated with the glue as imports.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as EngineGlue from "@prisma/schema-engine-wasm/schema_engine_bg";

/** The wasm-bindgen JS glue of the engine: `SchemaEngine`, `version()`, imports for the wasm. */
type SchemaEngineGlue = typeof EngineGlue;

export interface LoadedSchemaEngine {
  /** The glue module, bound to its own WebAssembly instance. */
  readonly glue: SchemaEngineGlue;
  /** The engine's version (the prisma-engines commit it was built from). */
  readonly version: string;
  /**
   * Message of the last Rust panic, if any. A panic surfaces in JS as a bare
   * `RuntimeError: unreachable`; the engine writes the real message to the panic registry.
   */
  takePanicMessage(): string | undefined;
  /** Marks this instance unusable (after a panic); the next load builds a fresh one. */
  poison(): void;
}

interface PanicRegistry {
  set_message(message: string): void;
  get(): string;
}

/** The slice of the global WebAssembly API we use (lib "dom" is not in our tsconfig). */
interface WebAssemblyApi {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, Record<string, unknown>>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
}

const GLUE_SPECIFIER = "@prisma/schema-engine-wasm/schema_engine_bg";
const GLUE_IMPORT_MODULE = "./schema_engine_bg.js";
const WASM_FILE = "schema_engine_bg.wasm";

let current: Promise<LoadedSchemaEngine> | undefined;
let currentGeneration = -1;
let generation = 0;

/**
 * Returns the engine module, loading and instantiating it on first use (about 5 MB of
 * WebAssembly, compiled once per process). After a panic the instance is discarded and
 * the next call instantiates a fresh copy of the glue and the wasm.
 */
export function loadEngine(): Promise<LoadedSchemaEngine> {
  if (!current) {
    currentGeneration = generation++;
    const attempt = instantiate(currentGeneration);
    current = attempt;
    attempt.catch(() => {
      if (current === attempt) current = undefined;
    });
  }
  return current;
}

async function instantiate(gen: number): Promise<LoadedSchemaEngine> {
  panicRegistry();

  // The .wasm is not in the package's "exports": resolve the glue, read the file next to it.
  const gluePath = createRequire(import.meta.url).resolve(GLUE_SPECIFIER);
  // A module instance holds the wasm memory views; after a panic we need a fresh one, which
  // a distinct URL gives us (ESM caches by URL).
  const glue: SchemaEngineGlue =
    gen === 0
      ? await import("@prisma/schema-engine-wasm/schema_engine_bg")
      : ((await import(`${pathToFileURL(gluePath).href}?instance=${gen}`)) as SchemaEngineGlue);

  const bytes = await readFile(join(dirname(gluePath), WASM_FILE));
  const wasmApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
  const { instance } = await wasmApi.instantiate(bytes, {
    [GLUE_IMPORT_MODULE]: withUnrefTimers(glue as unknown as Record<string, unknown>),
  });
  glue.__wbg_set_wasm(instance.exports);
  const start = instance.exports["__wbindgen_start"];
  if (typeof start === "function") start();

  const loaded: LoadedSchemaEngine = {
    glue,
    version: glue.version(),
    takePanicMessage() {
      const registry = panicRegistry();
      const message = registry.get();
      registry.set_message("");
      return message === "" ? undefined : message;
    },
    poison() {
      if (currentGeneration === gen) current = undefined;
    },
  };
  return loaded;
}

/** The engine's glue writes panic messages to this global (it must exist before loading). */
function panicRegistry(): PanicRegistry {
  const g = globalThis as unknown as { PRISMA_WASM_PANIC_REGISTRY?: PanicRegistry };
  // Prisma's own tooling may have installed one already: share it.
  g.PRISMA_WASM_PANIC_REGISTRY ??= createPanicRegistry();
  return g.PRISMA_WASM_PANIC_REGISTRY;
}

function createPanicRegistry(): PanicRegistry {
  let message = "";
  return {
    set_message(value: string) {
      message = String(value);
    },
    get() {
      return message;
    },
  };
}

/**
 * The engine arms a 10 s `setTimeout` around `pg_advisory_lock` and never clears it, which
 * would keep a finished process alive for 10 s. Timers created by the engine are unref'd:
 * while the engine works, its database connections keep the event loop alive anyway.
 */
function withUnrefTimers(glue: Record<string, unknown>): Record<string, unknown> {
  const imports: Record<string, unknown> = { ...glue };
  for (const [name, fn] of Object.entries(glue)) {
    if (!name.startsWith("__wbg_setTimeout_") || typeof fn !== "function") continue;
    imports[name] = (...args: unknown[]): unknown => {
      const timer: unknown = fn(...args);
      if (timer && typeof (timer as { unref?: unknown }).unref === "function") {
        (timer as { unref(): void }).unref();
      }
      return timer;
    };
  }
  return imports;
}
