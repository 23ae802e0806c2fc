// A real OpenID Provider (Panva's oidc-provider) for the single sign-on tests, on loopback.
//
//   node tests/oidc/provider.mjs
//
// Environment:
//   OIDC_CLIENTS   JSON list of client metadata (client_id, client_secret, redirect_uris);
//                  more clients can be added at run time through dynamic registration (POST /reg)
//   OIDC_ACCOUNTS  JSON list of accounts: {sub, login, password, email, email_verified, name}
//   OIDC_PORT      port to listen on; 0 (the default) picks a free one
//
// On start it prints one line, "listening <issuer>", then serves discovery, JWKS,
// authorization (PKCE required), token and userinfo endpoints, and its own sign-in form,
// which checks the account's password. Tests add accounts while it runs with
// POST /_test/accounts (JSON, one account); that route exists only in this test provider.
import http from 'node:http';
import { once } from 'node:events';
import Provider from 'oidc-provider';

const accounts = new Map(); // login -> account
const bySub = new Map(); // sub -> account

function addAccount(account) {
  for (const field of ['sub', 'login', 'password', 'email']) {
    if (typeof account[field] !== 'string' || account[field] === '') {
      throw new Error(`account.${field} must be a non-empty string`);
    }
  }
  const stored = { email_verified: true, name: account.login, ...account };
  accounts.set(stored.login, stored);
  bySub.set(stored.sub, stored);
}

for (const account of JSON.parse(process.env.OIDC_ACCOUNTS ?? '[]')) addAccount(account);
const clients = JSON.parse(process.env.OIDC_CLIENTS ?? '[]');

const escape = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(uid, error = '') {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider: sign in</title></head>
<body>
  <h1>Test identity provider</h1>
  ${error ? `<p role="alert">${escape(error)}</p>` : ''}
  <form method="post" action="/interaction/${escape(uid)}">
    <label>Username <input name="login" autocomplete="username" required></label>
    <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
    <button type="submit">Sign in to the identity provider</button>
  </form>
</body></html>`;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

let provider;

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid || details.prompt.name !== 'login') {
    res.writeHead(400, { 'content-type': 'text/plain' }).end(`unexpected prompt ${details.prompt.name}`);
    return;
  }
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(uid));
    return;
  }
  const form = new URLSearchParams(await readBody(req));
  const account = accounts.get(form.get('login') ?? '');
  if (!account || account.password !== form.get('password')) {
    res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' })
      .end(page(uid, 'Unknown username or wrong password.'));
    return;
  }
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: account.sub } },
    { mergeWithLastSubmission: false },
  );
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://127.0.0.1');
    const match = /^\/interaction\/([^/]+)$/.exec(url.pathname);
    if (match && (req.method === 'GET' || req.method === 'POST')) {
      await interaction(req, res, match[1]);
      return;
    }
    if (url.pathname === '/_test/accounts' && req.method === 'POST') {
      addAccount(JSON.parse(await readBody(req)));
      res.writeHead(204).end();
      return;
    }
    provider.callback()(req, res);
  } catch (error) {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(error?.stack ?? error));
  }
});

server.listen(Number(process.env.OIDC_PORT ?? 0), '127.0.0.1');
await once(server, 'listening');
const issuer = `http://127.0.0.1:${server.address().port}`;

provider = new Provider(issuer, {
  clients,
  clientDefaults: {
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  },
  async findAccount(ctx, sub) {
    const account = bySub.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          email: account.email,
          email_verified: account.email_verified,
          name: account.name,
        };
      },
    };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Put the email claims into the ID token itself, as most workplace identity providers do.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    registration: { enabled: true },
  },
  interactions: { url: (ctx, details) => `/interaction/${details.uid}` },
  // First-party test clients: no consent screen, the grant covers the usual scopes.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const existing = await ctx.oidc.provider.Grant.find(grantId);
      if (existing) return existing;
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  cookies: { keys: ['saypro-test-provider-cookie-key'] },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>error</title><pre>${escape(JSON.stringify(out))}</pre>`;
  },
});

process.stdout.write(`listening ${issuer}\n`);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
