import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A small client for the Slipway (CircleCI v2) API used by CLI commands; reads SLIPWAY_URL/SLIPWAY_TOKEN. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  static fromEnv(env: NodeJS.ProcessEnv = process.env): ApiClient {
    const url = (env.SLIPWAY_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
    let token = env.SLIPWAY_TOKEN;
    const stored = join(process.cwd(), '.slipway', 'admin-token');
    if (!token && existsSync(stored)) token = readFileSync(stored, 'utf8').trim();
    if (!token) throw new Error('Set SLIPWAY_TOKEN to your API token (`slipway dev` prints one).');
    return new ApiClient(url, token);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(path.startsWith('http') ? path : `${this.baseUrl}${path}`, {
        method,
        headers: { 'Circle-Token': this.token, 'content-type': 'application/json', accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new Error(`Cannot reach Slipway at ${this.baseUrl} (${(e as Error).cause ?? (e as Error).message}). Is \`slipway dev\` running? Set SLIPWAY_URL.`);
    }
    const text = await res.text();
    const data = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}: ${data?.message ?? text}`);
    return data as T;
  }

  /** A GET whose answer is text (exports); throws with the API's message on an error status. */
  async text(path: string): Promise<string> {
    const res = await fetch(`${this.baseUrl}${path}`, { headers: { 'Circle-Token': this.token } }).catch((e: Error) => {
      throw new Error(`Cannot reach Slipway at ${this.baseUrl} (${e.cause ?? e.message}). Set SLIPWAY_URL.`);
    });
    const text = await res.text();
    if (!res.ok)
      throw new Error(
        `GET ${path}: HTTP ${res.status}: ${(() => {
          try {
            return JSON.parse(text).message;
          } catch {
            return text;
          }
        })()}`,
      );
    return text;
  }
}
