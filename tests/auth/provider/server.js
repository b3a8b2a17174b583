// A real OpenID Connect provider for the sign-in tests: node-oidc-provider (OpenID Certified), on loopback only.
//
//   node server.js <port> <redirect_uri> <client_id> <client_secret>
//
// One confidential client (the dashboard) with the given redirect URI. Signing in takes any login name from
// the form below (no password: this is a test provider); the account's claims carry `groups` chosen by the
// login's name, as a hospital's provider (Entra ID, with group claims on) would:
//   viewer...  -> ["coprod-viewers"]         analyst... -> ["coprod-analysts"]
//   steward... -> ["coprod-data-stewards"]   anything else -> no groups
// It prints "listening on <issuer>" once it accepts connections, and stops on SIGTERM.

import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';

import Provider, { interactionPolicy } from 'oidc-provider';

const [port, redirectUri, clientId, clientSecret] = process.argv.slice(2);
if (!port || !redirectUri || !clientId || !clientSecret) {
  console.error('usage: node server.js <port> <redirect_uri> <client_id> <client_secret>');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

const GROUPS = [
  ['viewer', ['coprod-viewers']],
  ['analyst', ['coprod-analysts']],
  ['steward', ['coprod-data-stewards']],
];

function groupsFor(login) {
  const found = GROUPS.find(([prefix]) => login.startsWith(prefix));
  return found ? found[1] : [];
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body>${body}</body></html>`;
}

function loginPage(uid) {
  return page('Test provider: sign in', `<h1>Test provider: sign in</h1>
<form method="post" action="/interaction/${escape(uid)}">
<label for="login">Login name</label> <input id="login" name="login" required autofocus>
<button type="submit">Sign in at the provider</button>
</form>`);
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

// Streamlit asks for prompt=select_account (as Entra ID and Google understand it): accept it, resolved by the form.
const policy = interactionPolicy.base();
policy.add(new interactionPolicy.Prompt({ name: 'select_account', requestable: true }), 0);

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [jwk] },
  cookies: { keys: [clientSecret] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username', 'groups'],
  },
  conformIdTokenClaims: false, // the profile and email claims in the ID token itself, which is what Streamlit reads
  features: {
    devInteractions: { enabled: false },
    // Signing out at the provider (Streamlit's st.logout sends the browser to its end_session_endpoint). The
    // pages are plain HTML: the defaults load a web font, and the tests reach nothing beyond loopback.
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page('Test provider: sign out', `<h1>Test provider: sign out?</h1>${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Test provider: signed out', '<h1>Signed out</h1>');
      },
    },
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Test provider: error', `<h1>Error</h1><pre>${escape(JSON.stringify(out))}</pre>`);
  },
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          email: `${sub}@hospital.test`,
          email_verified: true,
          name: `Test user ${sub}`,
          preferred_username: sub,
          groups: groupsFor(sub),
        };
      },
    };
  },
});


async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    res.writeHead(400).end('unknown interaction');
    return;
  }
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(loginPage(uid));
    return;
  }
  const login = ((await readForm(req)).get('login') || '').trim();
  if (!login) {
    res.writeHead(400).end('a login name is needed');
    return;
  }
  // Signed in, and the dashboard's requested scopes granted at once (no consent screen for this first-party app).
  const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { select_account: {}, login: { accountId: login }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

const handle = provider.callback();
const server = createServer((req, res) => {
  const match = /^\/interaction\/([^/?]+)/.exec(req.url);
  if (match) {
    interaction(req, res, match[1]).catch((err) => {
      console.error(err);
      if (!res.headersSent) res.writeHead(500);
      res.end('interaction failed');
    });
    return;
  }
  handle(req, res);
});

server.listen(Number(port), '127.0.0.1', () => {
  console.log(`listening on ${issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
