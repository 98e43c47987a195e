/**
 * Loads TensorFlow.js and picks a backend, only when a tfjs model is actually used: nothing in the
 * project imports it statically (types only), so runs with the linear models never pay for it.
 *
 * Only the parts the MLP uses are loaded: tfjs-core (the engine and its kernels' registry) and the
 * backends, not the whole @tensorflow/tfjs (layers, converter, data, webgl), and with require(), not
 * import(): node's import() of a CommonJS package first scans its source for named exports, and on
 * tfjs that scan and the unused packages cost about 0.35 s of CPU at every start (0.45 s against
 * 0.1 s, measured on Node 20).
 *
 * Backends, best first: 'tensorflow' (@tensorflow/tfjs-node, native libtensorflow; an optional
 * dependency whose install often fails), 'wasm' (@tensorflow/tfjs-backend-wasm), 'cpu' (plain JS,
 * @tensorflow/tfjs-backend-cpu).
 *
 * The tfjs engine is process-wide: the backend chosen by the last call is the one every tensor uses.
 * One run uses one backend.
 */
import { createRequire } from 'node:module';
import type * as TF from '@tensorflow/tfjs-core';
import { UsageError } from '../errors.js';

const requirePackage = createRequire(import.meta.url);

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type Tfjs = typeof TF;

export interface LoadedTensorflow {
  tf: Tfjs;
  /** The backend actually in use, as tfjs names it: 'tensorflow', 'wasm' or 'cpu'. */
  backend: string;
}

let tfPromise: Promise<Tfjs> | undefined;
/** Why a backend could not be used, once tried; undefined when it loaded. */
const tried = new Map<BackendName, string | undefined>();

async function importTfjs(): Promise<Tfjs> {
  const tf = requirePackage('@tensorflow/tfjs-core') as Tfjs;
  // Registers the 'cpu' backend with that same tfjs-core (its own require of it).
  requirePackage('@tensorflow/tfjs-backend-cpu');
  // Prod mode gates tfjs's own warnings, among them the cpu backend's "install tfjs-node" banner
  // and "platform already set" / "kernel already registered" notes. It also skips debug checks.
  tf.enableProdMode();
  return tf;
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n', 1)[0]!.trim();
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * Runs fn while console.warn is captured: tfjs reports a failed backend initialisation with
 * console.warn (not gated by prod mode), which would otherwise reach stderr before we fall back.
 */
async function quietly<T>(fn: () => Promise<T>): Promise<{ value: T; warnings: string[] }> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  };
  try {
    return { value: await fn(), warnings };
  } finally {
    console.warn = warn;
  }
}

/**
 * The wasm module (emscripten) installs process 'uncaughtException' and 'unhandledRejection'
 * handlers that rethrow; with them any uncaught error exits with code 7 and a confusing trace that
 * points into tf-backend-wasm.node.js. Remove whatever handlers appeared while fn ran.
 */
async function withoutNewProcessHandlers<T>(fn: () => Promise<T>): Promise<T> {
  const events = ['uncaughtException', 'unhandledRejection'];
  const emitter: NodeJS.EventEmitter = process;
  const before = events.map((e) => new Set(emitter.listeners(e)));
  try {
    return await fn();
  } finally {
    events.forEach((e, i) => {
      for (const listener of emitter.listeners(e)) {
        if (!before[i]!.has(listener)) emitter.removeListener(e, listener as (...args: unknown[]) => void);
      }
    });
  }
}

/** Tries to make `name` the active backend; returns why it is unavailable, or undefined on success. */
async function activate(tf: Tfjs, name: BackendName): Promise<string | undefined> {
  if (tried.get(name) !== undefined) return tried.get(name);
  let why: string | undefined;
  try {
    if (name === 'tensorflow') {
      if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '2';
      // The package is optional, may be absent, and has no types here.
      try {
        requirePackage('@tensorflow/tfjs-node');
      } catch (err) {
        why = isNotFound(err)
          ? '@tensorflow/tfjs-node is not installed'
          : `@tensorflow/tfjs-node failed to load (${firstLine(err)})`;
      }
    } else if (name === 'wasm') {
      try {
        requirePackage('@tensorflow/tfjs-backend-wasm');
      } catch (err) {
        why = isNotFound(err)
          ? '@tensorflow/tfjs-backend-wasm is not installed'
          : `@tensorflow/tfjs-backend-wasm failed to load (${firstLine(err)})`;
      }
    }
    if (why === undefined) {
      if (tf.findBackendFactory(name) == null) {
        why = `backend '${name}' did not register`;
      } else {
        // setBackend throws for an unknown name but reports a failed initialisation by resolving false.
        const { value: ok, warnings } = await quietly(() => withoutNewProcessHandlers(() => tf.setBackend(name)));
        if (!ok) why = `backend '${name}' failed to initialise${warnings.length > 1 ? ` (${firstLine(warnings[1])})` : ''}`;
      }
    }
  } catch (err) {
    why = `backend '${name}' failed (${firstLine(err)})`;
  }
  // Remember failures only: a success is re-activated cheaply by setBackend below.
  if (why !== undefined) tried.set(name, why);
  return why;
}

/**
 * Loads TensorFlow.js (once per process) and makes a backend active.
 * Without a preference: 'tensorflow' if @tensorflow/tfjs-node loads, else 'wasm', else 'cpu'.
 * With one: that backend, or a UsageError saying why it is unavailable.
 */
export async function loadTensorflow(preferred?: BackendName): Promise<LoadedTensorflow> {
  tfPromise ??= importTfjs();
  let tf: Tfjs;
  try {
    tf = await tfPromise;
  } catch (err) {
    tfPromise = undefined;
    throw new UsageError(`--model mlp: @tensorflow/tfjs could not be loaded (${firstLine(err)})`);
  }
  if (preferred !== undefined) {
    if (preferred !== 'tensorflow' && preferred !== 'wasm' && preferred !== 'cpu') {
      throw new UsageError(`--backend ${String(preferred)}: unknown backend (use tensorflow, wasm or cpu)`);
    }
    const why = await activate(tf, preferred);
    if (why !== undefined) throw new UsageError(`--backend ${preferred}: ${why}`);
    return { tf, backend: tf.getBackend() };
  }
  for (const name of ['tensorflow', 'wasm', 'cpu'] as const) {
    if ((await activate(tf, name)) === undefined) return { tf, backend: tf.getBackend() };
  }
  throw new Error(`no TensorFlow.js backend could be initialised: ${[...tried.values()].join('; ')}`);
}
