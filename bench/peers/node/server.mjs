// node-oidc-provider 9 with its in-memory adapter: one confidential client, the
// client_credentials grant and RFC 7662 introspection. `node server.mjs PORT CLIENT_ID SECRET`.
// Bench code only (python -m bench --peers): one process, as the project's own README shows.
import Provider from 'oidc-provider';

const [port, clientId, clientSecret] = process.argv.slice(2);
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    introspection_endpoint_auth_method: 'client_secret_basic',
  }],
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    devInteractions: { enabled: false },
  },
  scopes: ['profile'],
  clientBasedCORS: () => true,
});
provider.proxy = false;
const server = provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`ready on ${port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
