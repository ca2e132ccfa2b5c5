import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { WebhookTargetError } from '../../model/errors';
import type { WebhookResponse, WebhookTransport } from '../../ports/webhook-transport';

export interface TargetPolicy {
  /** Allow private, link-local, unique-local and other non-public addresses (operator's choice). */
  allowPrivate: boolean;
  /** Allow loopback addresses (local mode, tests). */
  allowLoopback: boolean;
  /** Allow `http:` URLs (local mode); otherwise only `https:`, as CircleCI requires. */
  allowHttp: boolean;
}

/** CircleCI gives a receiver about 10 seconds; a slower answer counts as a failed attempt. */
const TIMEOUT_MS = 10_000;

/** Why `address` may not be used under `policy`, or `undefined` when it may. */
export function refusedAddress(address: string, policy: TargetPolicy): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const range = ipaddr.process(address).range();
  if (range === 'unicast' || policy.allowPrivate) return undefined;
  if (range === 'loopback' && policy.allowLoopback) return undefined;
  return `${address} is a ${range} address`;
}

function refusal(url: string, reason: string): WebhookTargetError {
  return new WebhookTargetError(
    `Webhook URL ${url} is refused: ${reason}. Outbound webhooks may only reach public addresses; an operator can allow private targets (SLIPWAY_WEBHOOK_ALLOW_PRIVATE=true).`,
    { url },
  );
}

/**
 * Posts webhooks with Node's HTTP client. Every connection goes through a DNS lookup that refuses addresses
 * outside the policy, so a host that resolves to a private address is refused at delivery as at creation.
 */
export class GuardedWebhookTransport implements WebhookTransport {
  constructor(private readonly policy: TargetPolicy) {}

  private parse(url: string): URL {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new WebhookTargetError(`Webhook URL ${JSON.stringify(url)} is not a valid URL. Give an absolute URL such as https://example.com/hooks/circleci.`, {
        url,
      });
    }
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && this.policy.allowHttp)) {
      throw refusal(url, `the scheme ${u.protocol.replace(':', '')} is not allowed (use https)`);
    }
    if (u.username || u.password) throw refusal(url, 'credentials in the URL are not allowed (use the signing secret)');
    return u;
  }

  private addresses(host: string): Promise<LookupAddress[]> {
    const bare = host.replace(/^\[|\]$/g, '');
    if (ipaddr.isValid(bare)) return Promise.resolve([{ address: bare, family: bare.includes(':') ? 6 : 4 }]);
    return new Promise((resolve, reject) => dnsLookup(bare, { all: true }, (err, all) => (err ? reject(err) : resolve(all))));
  }

  async checkTarget(url: string): Promise<void> {
    const u = this.parse(url);
    let all: LookupAddress[];
    try {
      all = await this.addresses(u.hostname);
    } catch (e) {
      throw refusal(url, `its host ${u.hostname} does not resolve (${(e as Error).message})`);
    }
    for (const a of all) {
      const reason = refusedAddress(a.address, this.policy);
      if (reason) throw refusal(url, reason);
    }
  }

  async post(url: string, body: string, headers: Record<string, string>, options: { verifyTls: boolean }): Promise<WebhookResponse> {
    const started = performance.now();
    const latencyMs = () => Math.round(performance.now() - started);
    try {
      await this.checkTarget(url);
    } catch (e) {
      return { latencyMs: latencyMs(), error: (e as Error).message };
    }
    const u = new URL(url);
    const guardedLookup: LookupFunction = (host, opts, callback) => {
      dnsLookup(host, { ...opts, all: true }, (err, all) => {
        if (err) return callback(err, '', 4);
        const list = all as LookupAddress[];
        const bad = list.map((a) => refusedAddress(a.address, this.policy)).find(Boolean);
        if (bad) return callback(refusal(url, bad), '', 4);
        if ((opts as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
        callback(null, list[0].address, list[0].family);
      });
    };
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<WebhookResponse>((resolve) => {
      const req = send(
        u,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          lookup: guardedLookup,
          timeout: TIMEOUT_MS,
          rejectUnauthorized: options.verifyTls,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode, latencyMs: latencyMs() }));
          res.on('error', (e) => resolve({ status: res.statusCode, latencyMs: latencyMs(), error: e.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no response within ${TIMEOUT_MS / 1000} s`)));
      req.on('error', (e) => resolve({ latencyMs: latencyMs(), error: e.message }));
      req.end(body);
    });
  }
}
