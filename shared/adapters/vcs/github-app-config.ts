import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** What a GitHub installation of Slipway needs: the App (optional locally) and the webhook secrets. */
export interface GitHubSettings {
  app?: { appId: string; privateKey: string };
  /** The App's OAuth client (sign-in with GitHub); absent: users sign in with API tokens only. */
  oauth?: { clientId: string; clientSecret: string };
  webhookSecrets: string[];
}

/**
 * The Secrets Manager secret (AWS) or the local file: `{appId, privateKey, webhookSecrets[] | webhookSecret,
 * clientId, clientSecret}` (the last two: the App's OAuth client, for sign-in with GitHub).
 */
const SecretShape = z
  .object({
    appId: z.union([z.string().min(1), z.number().int()]).optional(),
    privateKey: z.string().min(1).optional(),
    webhookSecret: z.string().min(1).optional(),
    webhookSecrets: z.array(z.string().min(1)).optional(),
    clientId: z.string().min(1).optional(),
    clientSecret: z.string().min(1).optional(),
  })
  .refine((s) => (s.appId === undefined) === (s.privateKey === undefined), 'appId and privateKey go together')
  .refine((s) => (s.clientId === undefined) === (s.clientSecret === undefined), 'clientId and clientSecret go together');

function parseSecret(text: string, where: string) {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not JSON (${(e as Error).message}). Store {"appId", "privateKey", "webhookSecrets": [...]}.`);
  }
  const r = SecretShape.safeParse(json);
  if (!r.success) throw new Error(`${where} is invalid: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}.`);
  return r.data;
}

/** A PEM given inline, or the path of a PEM file. */
const pem = (value: string) => (value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8'));

/**
 * Reads the GitHub settings from, in order: the App secret's JSON (`secretJson`, fetched by the composition
 * root from Secrets Manager; a secret that is not such JSON yet is reported to `warn` and ignored), a local
 * JSON file of the same shape, and the single variables of local mode (`appId` + `privateKey` as PEM or file
 * path; `webhookSecret` comma-separated for rotation; `clientId` + `clientSecret`). A broken local file or
 * variable throws.
 */
export function loadGitHubSettings(
  input: {
    secretJson?: string;
    file?: string;
    appId?: string;
    privateKey?: string;
    webhookSecret?: string;
    clientId?: string;
    clientSecret?: string;
  },
  warn: (message: string) => void = () => undefined,
): GitHubSettings {
  let fromSecret: z.infer<typeof SecretShape> = {};
  try {
    if (input.secretJson) fromSecret = parseSecret(input.secretJson, 'The GitHub App secret (GITHUB_APP_SECRET_ARN)');
  } catch (e) {
    // A deployment starts with a generated placeholder; GitHub stays off until an administrator stores the App.
    warn(`${(e as Error).message} GitHub integration is off until the secret holds the App.`);
  }
  const fromFile = input.file ? parseSecret(readFileSync(input.file, 'utf8'), `The GitHub App file ${input.file} (SLIPWAY_GITHUB_APP_FILE)`) : {};
  const appId = fromSecret.appId ?? fromFile.appId ?? input.appId;
  const privateKey = fromSecret.privateKey ?? fromFile.privateKey ?? (input.privateKey ? pem(input.privateKey) : undefined);
  if ((appId === undefined) !== (privateKey === undefined)) {
    throw new Error('A GitHub App needs both an app id and a private key: set SLIPWAY_GITHUB_APP_ID and SLIPWAY_GITHUB_APP_PRIVATE_KEY (PEM or file path).');
  }
  const webhookSecrets = [
    ...(fromSecret.webhookSecrets ?? []),
    ...(fromSecret.webhookSecret ? [fromSecret.webhookSecret] : []),
    ...(fromFile.webhookSecrets ?? []),
    ...(fromFile.webhookSecret ? [fromFile.webhookSecret] : []),
    ...(input.webhookSecret ?? '').split(',').map((s) => s.trim()),
  ].filter(Boolean);
  const clientId = fromSecret.clientId ?? fromFile.clientId ?? input.clientId;
  const clientSecret = fromSecret.clientSecret ?? fromFile.clientSecret ?? input.clientSecret;
  if ((clientId === undefined) !== (clientSecret === undefined)) {
    throw new Error(
      'Sign-in with GitHub needs both the OAuth client id and its secret: set SLIPWAY_GITHUB_CLIENT_ID and SLIPWAY_GITHUB_CLIENT_SECRET (or clientId and clientSecret in the App secret).',
    );
  }
  return {
    app: appId !== undefined && privateKey ? { appId: String(appId), privateKey } : undefined,
    oauth: clientId && clientSecret ? { clientId, clientSecret } : undefined,
    webhookSecrets: [...new Set(webhookSecrets)],
  };
}
