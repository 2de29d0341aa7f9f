"""The smallest server a Flask user writes from Authlib's documentation (the bench's first peer).

Flask + Flask-SQLAlchemy + Authlib's own SQLAlchemy mixins (`OAuth2ClientMixin`,
`OAuth2TokenMixin`), the client_credentials grant and RFC 7662 introspection, as in Authlib's
"Flask OAuth 2.0 Server" guide. Bench code only: it stores client secrets and tokens in plain
text, as those mixins do, which ZoneConnect never does.

    PEER_DATABASE_URL=postgresql+psycopg://... gunicorn -w 2 'bench.peers.authlib_app:create_app()'
    python -m bench.peers.authlib_app seed   # creates the tables and prints {"client_id", ...}
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.sqla_oauth2 import (
    OAuth2ClientMixin,
    OAuth2TokenMixin,
    create_query_client_func,
    create_save_token_func,
)
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Client(db.Model, OAuth2ClientMixin):  # type: ignore[name-defined,misc]
    __tablename__ = "oauth2_client"
    id: Mapped[int] = mapped_column(primary_key=True)


class Token(db.Model, OAuth2TokenMixin):  # type: ignore[name-defined,misc]
    __tablename__ = "oauth2_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None]


class Introspection(IntrospectionEndpoint):
    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        return Token.query.filter_by(access_token=token_string).first()

    def introspect_token(self, token: Token) -> dict[str, Any]:
        return {"active": True, "client_id": token.client_id, "token_type": token.token_type,
                "scope": token.get_scope(), "aud": token.client_id,
                "exp": token.issued_at + token.expires_in, "iat": token.issued_at}

    def check_permission(self, token: Token, client: Client, request: Any) -> bool:
        return True


def create_app() -> Flask:
    """The peer app on PEER_DATABASE_URL."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["PEER_DATABASE_URL"]
    db.init_app(app)
    server = AuthorizationServer(app, query_client=create_query_client_func(db.session, Client),
                                 save_token=create_save_token_func(db.session, Token))
    server.register_grant(grants.ClientCredentialsGrant)
    server.register_endpoint(Introspection)

    @app.post("/oauth/token")
    def issue_token() -> Any:
        return server.create_token_response()

    @app.post("/oauth/introspect")
    def introspect() -> Any:
        return server.create_endpoint_response("introspection")

    return app


def seed(tokens: int) -> dict[str, Any]:
    """Create the tables, one confidential client, and `tokens` access tokens to introspect."""
    app = create_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
        client = Client(client_id=secrets.token_hex(8), client_secret=secrets.token_hex(16),
                        client_id_issued_at=int(time.time()))
        client.set_client_metadata({"grant_types": ["client_credentials"], "scope": "profile",
                                    "token_endpoint_auth_method": "client_secret_basic"})
        db.session.add(client)
        values = [secrets.token_hex(20) for _ in range(tokens)]
        db.session.add_all(Token(client_id=client.client_id, token_type="Bearer",
                                 access_token=value, scope="profile",
                                 issued_at=int(time.time()), expires_in=3600)
                           for value in values)
        db.session.commit()
        return {"client_id": client.client_id, "client_secret": client.client_secret,
                "tokens": values}


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        print(json.dumps(seed(int(sys.argv[2]) if len(sys.argv) > 2 else 1000)))
