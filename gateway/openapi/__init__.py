"""The open API: user info (legacy, REST, OIDC) over one service, and the OpenAPI document."""
