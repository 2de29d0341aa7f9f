"""The resource side of every token-protected request (REST, userinfo, QQ paths): the token the
request presents, under the Bearer or the DPoP scheme (RFC 6750, RFC 9449 §7), its DPoP proof
checked, and the challenge and nonce headers an answer carries."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

from gateway.errors import ZoneConnectError, english
from gateway.i18n import N_
from gateway.oauth import dpop
from gateway.oauth.errors import InvalidDPoPProof, TokenError, UseDPoPNonce
from gateway.oauth.services import AccessContext, authenticate_access_token

DPOP_ALGS = 'algs="' + " ".join(dpop.ALGORITHMS) + '"'


@dataclass(frozen=True)
class Presented:
    """The access token a request presents and whether it came with the DPoP scheme."""

    token: str | None
    dpop: bool = False


def from_header() -> Presented:
    """The Authorization header's token: `Bearer <token>` or `DPoP <token>`."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    scheme = scheme.lower()
    if scheme not in {"bearer", "dpop"}:
        return Presented(None)
    return Presented(value.strip() or None, scheme == "dpop")


def authenticate(presented: Presented) -> AccessContext:
    """Check the DPoP proof (DPoP scheme: `ath` names this token), then the token and its
    binding (gateway/oauth/services.py)."""
    proof = None
    if presented.dpop and presented.token:
        try:
            proof = dpop.from_request(access_token=presented.token)
        except dpop.UseNonce as exc:
            raise UseDPoPNonce(exc.description) from exc
        except dpop.DPoPProblem as exc:
            raise InvalidDPoPProof(exc.description) from exc
        if proof is None:
            raise InvalidDPoPProof(N_("The DPoP scheme needs a DPoP proof."))
    return authenticate_access_token(presented.token, dpop_scheme=presented.dpop,
                                     proof_jkt=proof.jkt if proof else None)


def _quoted(text: object) -> str:
    # Header values are ASCII (RFC 6750 §3): the English description, whatever the reader.
    return english(text).replace("\\", "").replace('"', "'")  # type: ignore[arg-type]


def dpop_challenge(exc: ZoneConnectError | None = None) -> str:
    """`DPoP algs="...", error=..., error_description=...` (RFC 9449 §7.1)."""
    if exc is None:
        return f"DPoP {DPOP_ALGS}"
    return (f'DPoP {DPOP_ALGS}, error="{exc.code}", '
            f'error_description="{_quoted(exc.description)}"')


def sent_with_dpop() -> bool:
    """Whether the request used the DPoP scheme or carried a proof."""
    return (request.headers.get("Authorization", "")[:5].lower() == "dpop "
            or "DPoP" in request.headers)


def is_dpop_error(exc: ZoneConnectError) -> bool:
    """Errors answered with the DPoP challenge whatever the request's scheme."""
    return isinstance(exc, InvalidDPoPProof | UseDPoPNonce)


def challenge_for(exc: ZoneConnectError, bearer: str | None) -> str | None:
    """The WWW-Authenticate value of a token error: no credentials get both schemes; a DPoP
    request or a proof error gets the DPoP challenge; others keep `bearer` (the caller's)."""
    if isinstance(exc, TokenError) and exc.ret_code == 100007:
        return f"{bearer}, {dpop_challenge()}" if bearer else dpop_challenge()
    if is_dpop_error(exc) or (sent_with_dpop() and exc.status in {401, 403}):
        return dpop_challenge(exc)
    return bearer


def nonce_headers(exc: ZoneConnectError | None = None) -> dict[str, str]:
    """`DPoP-Nonce` for answers that need one: a use_dpop_nonce error, and every DPoP request
    where resource requests need nonces (so clients keep a fresh one)."""
    if isinstance(exc, UseDPoPNonce) or (sent_with_dpop() and dpop.nonce_required(True)):
        return {"DPoP-Nonce": dpop.current_nonce()}
    return {}
