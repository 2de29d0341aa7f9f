"""Hypothesis strategies for malformed requests to the QQ-compatible paths.

A request is built from raw bytes so it can carry what real clients and attackers send: wrong
types, huge values, invalid UTF-8, broken %-escapes, NUL, repeated parameters, JSON bodies of any
shape, and garbage Authorization headers. The query string reaches the app as a WSGI server
would pass it (bytes decoded as Latin-1).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_from_bytes

from hypothesis import strategies as st

PARAMS: dict[str, tuple[str, ...]] = {
    "/oauth2.0/authorize": ("response_type", "client_id", "redirect_uri", "state", "scope",
                            "display", "code_challenge", "code_challenge_method", "prompt",
                            "max_age", "nonce", "confirm", "approved_scope", "csrf_token"),
    "/oauth2.0/token": ("grant_type", "client_id", "client_secret", "code", "redirect_uri",
                        "refresh_token", "fmt", "need_openid", "code_verifier", "state"),
    "/oauth2.0/me": ("access_token", "unionid", "fmt"),
    "/user/get_user_info": ("access_token", "oauth_consumer_key", "openid", "format"),
    "/user/get_simple_userinfo": ("access_token", "oauth_consumer_key", "openid", "format"),
    "/user/get_vip_info": ("access_token", "oauth_consumer_key", "openid", "format"),
    "/share/add_share": ("access_token", "oauth_consumer_key", "openid", "title", "url",
                         "comment", "summary", "images", "site", "fromurl"),
    # Communities (issue 13): the QQ photo methods and check_page_fans.
    "/photo/list_album": ("access_token", "oauth_consumer_key", "openid", "format"),
    "/photo/add_album": ("access_token", "oauth_consumer_key", "openid", "albumname",
                         "albumdesc", "priv", "question", "answer"),
    "/photo/upload_pic": ("access_token", "oauth_consumer_key", "openid", "albumid", "title",
                          "photodesc", "picture"),
    "/photo/list_photo": ("access_token", "oauth_consumer_key", "openid", "albumid"),
    "/user/check_page_fans": ("access_token", "oauth_consumer_key", "openid", "page_id"),
}
WORDS = ("authorization_code", "refresh_token", "client_credentials", "json", "1", "0", "-1",
         "code", "token", "S256", "plain", "get_user_info", "add_share,get_vip_info", "yes",
         "none", "login consent", "https://site.example/callback?x=1", "javascript:alert(1)",
         "http://127.0.0.1/callback", "true", "null", "[]", "{}")
ESCAPES = (b"%", b"%G1", b"%00", b"%FF", b"%C0%80", b"%ED%A0%80", b"%2", b"\x00", b"%E4%B8",
           b"+", b"&", b"=", b";", b"%26", b"%3D", b"\xff\xfe", b"\xe4\xb8", b"%0D%0A", b"\r\n")
LATIN1_HEADER = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=80)


@dataclass
class RawRequest:
    """One request as bytes: method, query string, body and headers."""

    method: str
    query: bytes
    body: bytes | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def environ(self) -> dict[str, Any]:
        """WSGI overrides: the raw query string as a server would pass it."""
        return {"QUERY_STRING": self.query.decode("latin-1")}


def values(real: list[str]) -> st.SearchStrategy[bytes]:
    """A parameter value: real identifiers, wrong types, huge, invalid UTF-8, escapes, NUL."""
    known = st.sampled_from([*real, *WORDS]).map(str.encode)
    escapes = st.lists(st.sampled_from(ESCAPES), max_size=8).map(b"".join)
    numbers = st.one_of(st.integers(min_value=-(10**30), max_value=10**30),
                        st.floats(allow_nan=True, allow_infinity=True)).map(
        lambda n: str(n).encode())
    huge = st.tuples(st.sampled_from([b"A", b"9", "中".encode(), b"%00", b"%", b"\xff"]),
                     st.integers(min_value=1_000, max_value=30_000)).map(lambda t: t[0] * t[1])
    text = st.text(max_size=40).map(lambda s: s.encode("utf-8", "surrogatepass"))
    return st.one_of(known, known, st.tuples(known, escapes).map(b"".join), escapes, numbers,
                     huge, text, st.binary(max_size=40), st.just(b""))


def encoded_pairs(path: str, real: list[str]) -> st.SearchStrategy[bytes]:
    """`k=v&k=v...` with known and unknown keys, repeats, and each part raw or %-encoded."""
    keys = st.one_of(st.sampled_from(PARAMS[path]).map(str.encode), st.binary(max_size=12))

    def encode(raw: bytes, escape: bool) -> bytes:
        return quote_from_bytes(raw, safe="").encode() if escape else raw

    pair = st.tuples(keys, values(real), st.booleans(), st.booleans(), st.booleans()).map(
        lambda t: encode(t[0], t[2]) + (b"=" + encode(t[1], t[3]) if t[4] else b""))
    return st.lists(pair, max_size=12).map(b"&".join)


def json_values(path: str) -> st.SearchStrategy[Any]:
    """Any JSON document, with the path's parameter names as likely keys."""
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                        st.text(max_size=30))
    keys = st.one_of(st.sampled_from(PARAMS[path]), st.text(max_size=8))
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=6)), max_leaves=12)


def json_bodies(path: str) -> st.SearchStrategy[bytes]:
    """A JSON body: valid JSON of any shape, or broken JSON (truncated, huge numbers, bad bytes)."""
    broken = st.sampled_from([b"{", b'{"client_id": 1' + b"9" * 5000 + b"}", b"\xff\xfe{}",
                              b'{"a": "\\ud800"}', b"[" * 2000, b'{"fmt": NaN}', b"",
                              b'{"access_token": "\x00"}'])
    return st.one_of(json_values(path).map(lambda v: json.dumps(v).encode()), broken)


def authorization_headers(real: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """No Authorization header, a garbage one, or a real token / client pair in the wrong place."""
    basic = st.binary(max_size=40).map(lambda b: "Basic " + base64.b64encode(b).decode())
    token = st.sampled_from(real).map(lambda t: "Bearer " + t)
    pair = st.tuples(st.sampled_from(real), st.sampled_from(real)).map(
        lambda p: "Basic " + base64.b64encode(f"{p[0]}:{p[1]}".encode()).decode())
    garbage = st.tuples(st.sampled_from(["Bearer ", "Basic ", "bearer", "Digest ", ""]),
                        LATIN1_HEADER).map("".join)
    return st.one_of(st.just({}), st.one_of(basic, token, pair, garbage).map(
        lambda v: {"Authorization": v}))


FORM_TYPES = ("application/x-www-form-urlencoded",
              "application/x-www-form-urlencoded; charset=bogus-charset",
              "application/x-www-form-urlencoded; charset=latin-1", "text/plain", "")


@st.composite
def raw_requests(draw: st.DrawFn, path: str, real: list[str],
                 methods: tuple[str, ...] = ("GET", "POST")) -> RawRequest:
    """A GET with a query string, or a POST with a form, JSON or odd body (and a query)."""
    method = draw(st.sampled_from(methods))
    request = RawRequest(method, draw(encoded_pairs(path, real)),
                         headers=draw(authorization_headers(real)))
    if method == "POST":
        shape = draw(st.sampled_from(("form", "form", "json", "none")))
        if shape == "form":
            request.body = draw(encoded_pairs(path, real))
            request.content_type = draw(st.sampled_from(FORM_TYPES))
        elif shape == "json":
            request.body = draw(json_bodies(path))
            request.content_type = draw(st.sampled_from(
                ("application/json", "application/json; charset=utf-16", "application/x+json")))
    return request
