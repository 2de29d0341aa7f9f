"""ZoneConnect SDK: log in with ZoneConnect, call the API, take payments, verify webhooks."""

from __future__ import annotations

from . import webhooks
from ._async_client import AsyncClient
from ._client import Client
from ._community import Album, Group, GroupMember, GroupMemberPage, GroupMessage, Photo
from ._dpop import DPoPKey
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    IDTokenError,
    InternalServerError,
    LogoutTokenError,
    NotFoundError,
    OAuthError,
    PermissionDeniedError,
    RateLimitError,
    ReauthorizationRequired,
    SignatureVerificationError,
    ZoneConnectError,
)
from ._models import Event, Order, Share, SharePage, UserInfo
from ._tokens import (
    AuthorizationRequest,
    IDTokenClaims,
    LogoutTokenClaims,
    ProviderMetadata,
    Token,
)
from ._version import __version__

__all__ = [
    "__version__",
    "Client",
    "AsyncClient",
    "webhooks",
    # models
    "Album",
    "Group",
    "GroupMember",
    "GroupMemberPage",
    "GroupMessage",
    "Photo",
    "AuthorizationRequest",
    "DPoPKey",
    "Event",
    "IDTokenClaims",
    "LogoutTokenClaims",
    "Order",
    "ProviderMetadata",
    "Share",
    "SharePage",
    "Token",
    "UserInfo",
    # errors
    "ZoneConnectError",
    "APIConnectionError",
    "APITimeoutError",
    "APIError",
    "APIResponseValidationError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "InternalServerError",
    "OAuthError",
    "ReauthorizationRequired",
    "IDTokenError",
    "LogoutTokenError",
    "SignatureVerificationError",
]
