// openid-client 6 (certified by the OpenID Foundation), driven one JSON line at a time.
//
// tests/certified/node.py starts `node openid_client.mjs` and writes one request per line:
//   {"op": "<name>", "args": {...}}
// and reads one answer per line: {"ok": <result>} or {"error": {name, message, code, error,
// error_description, status}}. Each op below calls the library as an app would and returns
// plain JSON; the tests assert on it. To drive a new flow, add an op (see README.md).
import * as client from "openid-client";
import { createInterface } from "node:readline";

let config = null; // the client's Configuration, made by "discover"
let dpop = null; // the DPoP handle of "dpop_key" (RFC 9449): its key signs every proof

function authenticationOf(method, secret) {
  if (method === "client_secret_basic") return client.ClientSecretBasic(secret);
  if (method === "client_secret_post") return client.ClientSecretPost(secret);
  if (method === "none") return client.None();
  throw new Error(`unknown client authentication ${method}`);
}

async function checksFor(params) {
  // PKCE, state and nonce as the library makes them.
  const codeVerifier = client.randomPKCECodeVerifier();
  const full = {
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
    state: client.randomState(),
    nonce: client.randomNonce(),
    ...params,
  };
  for (const [key, value] of Object.entries(full)) if (value === null) delete full[key];
  return { full, codeVerifier };
}

function tokensOf(response) {
  return { tokens: { ...response }, claims: response.claims() ?? null };
}

const OPS = {
  // Discovery (the issuer must equal the URL it is fetched from) and the client's registration.
  async discover({ issuer, client_id, client_secret, auth = "client_secret_basic" }) {
    config = await client.discovery(new URL(issuer), client_id, undefined,
      authenticationOf(auth, client_secret), { execute: [client.allowInsecureRequests] });
    return { metadata: config.serverMetadata() };
  },

  // An authorization URL with PKCE S256, state and nonce (params add to them; null drops one).
  async authorization_url({ params = {} }) {
    const { full, codeVerifier } = await checksFor(params);
    const url = client.buildAuthorizationUrl(config, full);
    return { url: url.href, code_verifier: codeVerifier, state: full.state ?? null,
             nonce: full.nonce ?? null };
  },

  // The same request pushed first (RFC 9126): the URL carries only client_id and request_uri.
  async par_authorization_url({ params = {} }) {
    const { full, codeVerifier } = await checksFor(params);
    const url = await client.buildAuthorizationUrlWithPAR(config, full);
    return { url: url.href, code_verifier: codeVerifier, state: full.state ?? null,
             nonce: full.nonce ?? null };
  },

  // The callback URL the browser reached, checked (state, iss, id_token) and the code redeemed.
  async code_grant({ callback_url, code_verifier, state, nonce }) {
    const checks = { pkceCodeVerifier: code_verifier, expectedState: state ?? undefined,
                     expectedNonce: nonce ?? undefined, idTokenExpected: nonce != null };
    return tokensOf(await client.authorizationCodeGrant(config, new URL(callback_url), checks));
  },

  async refresh({ refresh_token }) {
    return tokensOf(await client.refreshTokenGrant(config, refresh_token));
  },

  // RFC 8693 token exchange through the library's generic grant: its client authentication,
  // its token-response checks.
  async token_exchange({ parameters }) {
    const response = await client.genericGrantRequest(
      config, "urn:ietf:params:oauth:grant-type:token-exchange", parameters);
    return { tokens: { ...response } };
  },

  async userinfo({ access_token, sub }) {
    return await client.fetchUserInfo(config, access_token, sub);
  },

  // RP-Initiated Logout 1.0: the end-session URL as the library builds it from discovery.
  async end_session_url({ params = {} }) {
    return { url: client.buildEndSessionUrl(config, params).href };
  },

  // DPoP (RFC 9449): a new key pair as the library makes it; the public JWK comes back (the
  // test computes its thumbprint for dpop_jkt and the server's cnf.jkt).
  async dpop_key({ alg = "ES256" }) {
    const keyPair = await client.randomDPoPKeyPair(alg);
    dpop = client.getDPoPHandle(config, keyPair);
    return { jwk: await crypto.subtle.exportKey("jwk", keyPair.publicKey) };
  },

  async dpop_code_grant({ callback_url, code_verifier, state, nonce }) {
    const checks = { pkceCodeVerifier: code_verifier, expectedState: state ?? undefined,
                     expectedNonce: nonce ?? undefined, idTokenExpected: nonce != null };
    return tokensOf(await client.authorizationCodeGrant(config, new URL(callback_url), checks,
                                                        undefined, { DPoP: dpop }));
  },

  async dpop_refresh({ refresh_token }) {
    return tokensOf(await client.refreshTokenGrant(config, refresh_token, undefined,
                                                   { DPoP: dpop }));
  },

  async dpop_userinfo({ access_token, sub }) {
    return await client.fetchUserInfo(config, access_token, sub, { DPoP: dpop });
  },

  // Any protected resource (the REST API), with a DPoP-bound token and a proof.
  async dpop_resource({ access_token, url, method = "GET" }) {
    const response = await client.fetchProtectedResource(config, access_token, new URL(url),
                                                          method, undefined, undefined,
                                                          { DPoP: dpop });
    return { status: response.status, body: await response.json() };
  },
};

function errorOf(err) {
  // ResponseBodyError carries the server's error; WWWAuthenticateChallengeError its challenges.
  const cause = err.cause && typeof err.cause === "object" && !Array.isArray(err.cause)
    ? err.cause : {};
  const challenges = Array.isArray(err.cause) ? err.cause : [];
  const params = challenges[0]?.parameters ?? {};
  return {
    name: err.name ?? "Error", message: String(err.message ?? err), code: err.code ?? null,
    error: err.error ?? cause.error ?? params.error ?? null,
    error_description: err.error_description ?? cause.error_description
      ?? params.error_description ?? null,
    status: err.status ?? err.response?.status ?? null,
    challenges,
  };
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let answer;
  try {
    const { op, args } = JSON.parse(line);
    if (!Object.hasOwn(OPS, op)) throw new Error(`unknown op ${op}`);
    answer = { ok: (await OPS[op](args ?? {})) ?? null };
  } catch (err) {
    answer = { error: errorOf(err) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
