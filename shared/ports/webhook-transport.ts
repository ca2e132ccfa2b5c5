/** What one delivery attempt got back: a status, or no response at all (`error` says why). */
export interface WebhookResponse {
  status?: number;
  latencyMs: number;
  error?: string;
}

/**
 * Sends outbound webhook requests to users' URLs, refusing targets the operator has not allowed (SSRF).
 *
 * Semantics: `checkTarget` resolves when the URL may be used now (scheme allowed, every address its host
 * resolves to allowed) and throws a `WebhookTargetError` saying why not otherwise. `post` sends one POST and
 * never throws for network or HTTP failures: they are reported in the response; it re-checks the address it
 * connects to (a host that starts resolving to a private address is refused at delivery too). Each call is
 * independent and safe to run concurrently; a retry may deliver the same body twice.
 */
export interface WebhookTransport {
  checkTarget(url: string): Promise<void>;
  post(url: string, body: string, headers: Record<string, string>, options: { verifyTls: boolean }): Promise<WebhookResponse>;
}
