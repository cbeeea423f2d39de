// A Python reference process for the benchmarks (bench/ops.ts, bench/ssd.ts): `/usr/bin/python3 SCRIPT
// --threads N --serve` answers JSON-line requests on stdin with one JSON line each on stdout; its first line is
// {"ready": true, ...facts} or {"error": "..."}. A child that cannot start or exits rejects every waiting
// request with a message that says why (and its stderr).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { basename } from 'node:path';

/** SSDKIT_PYTHON overrides it (the GPU check points it at the python3 that has the machine's CUDA torch). */
export const PYTHON = process.env.SSDKIT_PYTHON || '/usr/bin/python3';

export type Reply = { ready?: boolean; error?: string; samples?: number[] } & Record<string, unknown>;

export class PythonChild {
  readonly #proc: ChildProcessWithoutNullStreams;
  readonly #script: string;
  readonly #waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  #stderr = '';
  #dead: Error | null = null;

  /** `packages`: what to install when /usr/bin/python3 is missing (for the message); `args`: more script flags. */
  constructor(script: string, threads: number, packages: string, args: string[] = []) {
    this.#script = script;
    this.#proc = spawn(PYTHON, [script, '--threads', String(threads), '--serve', ...args], { stdio: 'pipe' });
    this.#proc.stderr.on('data', (d: Buffer) => (this.#stderr += d.toString()));
    this.#proc.on('error', (e: NodeJS.ErrnoException) =>
      this.#fail(e.code === 'ENOENT' ? `${PYTHON} not found (install ${packages})` : `cannot run ${PYTHON}: ${e.message}`),
    );
    this.#proc.on('exit', (code) => this.#fail(`${PYTHON} ${script} exited with code ${code}\n${this.#stderr.trim()}`));
    createInterface({ input: this.#proc.stdout }).on('line', (line) => {
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        reply = { error: `unexpected output from ${basename(script)}: ${line}` };
      }
      this.#waiting.shift()?.resolve(reply);
    });
  }

  #fail(msg: string): void {
    this.#dead ??= new Error(msg);
    for (const w of this.#waiting.splice(0)) w.reject(this.#dead);
  }

  #next(): Promise<Reply> {
    if (this.#dead) return Promise.reject(this.#dead);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  /** The child's first line (its facts: versions, threads ...); throws if it could not start. */
  async ready(): Promise<Reply> {
    const r = await this.#next();
    if (r.error !== undefined || !r.ready) throw new Error(r.error ?? `${basename(this.#script)} did not start`);
    return r;
  }

  /** One request and its reply; throws with the child's error. */
  async request(req: Record<string, unknown>): Promise<Reply> {
    const reply = this.#next();
    this.#proc.stdin.write(JSON.stringify(req) + '\n');
    const r = await reply;
    if (r.error !== undefined) throw new Error(`torch ${String(req.case)}: ${r.error}`);
    return r;
  }

  /** A request whose reply carries timing samples. */
  async samples(req: Record<string, unknown>): Promise<number[]> {
    const r = await this.request(req);
    if (r.samples === undefined) throw new Error(`torch ${String(req.case)}: no samples`);
    return r.samples;
  }

  /** The child's process id. */
  get pid(): number | undefined {
    return this.#proc.pid;
  }

  close(): void {
    this.#proc.removeAllListeners('exit');
    this.#proc.stdin.end();
  }
}
