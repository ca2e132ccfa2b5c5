/**
 * GitHub's side of "Sign in with GitHub" (the App's OAuth client): the code exchange and what the signed-in
 * user's token may read.
 *
 * Semantics: each call is one or a few HTTP requests to GitHub, safe to retry, with no state kept between calls.
 * A refused code throws `UnauthorizedError` (GitHub's reason in the message); GitHub unreachable or answering
 * without what was asked throws `VcsError`.
 */
export interface GitHubOAuthClient {
  /** Exchanges a sign-in code (given for `redirectUri`) for the user's GitHub token. */
  exchangeCode(code: string, redirectUri: string): Promise<string>;
  /** The token's GitHub account (`GET /user`). */
  user(token: string): Promise<{ login: string; name: string | undefined; id: number }>;
  /** Logins of the organisations whose App installation the token's user can reach (`GET /user/installations`); nothing on any other answer. */
  installationOrganizations(token: string): Promise<string[]>;
}
