"""The copy-ready snippets on an app's page: a quickstart that runs as printed against this
platform (its real base URL, the app's appid), and the QQ-compatible login URL.

tests/developer_portal/test_quickstart.py copies the printed `app.py` off the page and runs it
against a live platform, so what a developer pastes is what is tested.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app

from gateway.apps.models import App
from gateway.openapi.profile import base_url

LOCAL_SITE = "http://127.0.0.1:5000"
CALLBACK_PATH = "/zoneconnect/callback"
DEAUTHORIZED_PATH = "/zoneconnect/deauthorized"

# The SDK is the repository's sdk/ folder, not a PyPI package (`pip install zoneconnect`
# installs nothing of ours): pip takes it from a clone, or from ZC_REPOSITORY_URL when set.
INSTALL_FROM_CLONE = """\
# The SDK is not on PyPI: it is the sdk/ folder of the ZoneConnect repository.
# In a clone of that repository:
pip install './sdk[flask]'"""
INSTALL_FROM_URL = """\
# The SDK is not on PyPI: it is the sdk/ folder of the ZoneConnect repository.
pip install 'zoneconnect[flask] @ git+{url}#subdirectory=sdk'"""

APP_PY = '''\
# app.py: "Log in with ZoneConnect" for {name} (appid {appid})
import os

from flask import Flask
from markupsafe import escape

import zoneconnect
from zoneconnect.flask import create_blueprint, current_user, save_token

SITE = os.environ.get("SITE_URL", "{local_site}")  # where this site runs

app = Flask(__name__)
app.secret_key = os.environ.get("SECRET_KEY", "dev-only-change-me")
zc = zoneconnect.Client(
    app_id="{appid}",
    app_key=os.environ["ZONECONNECT_APP_KEY"],  # shown once, when you registered the app
    base_url="{base_url}",  # this platform
    redirect_uri=SITE + "{callback}",
    on_token_refresh=save_token,
)
# Routes /zoneconnect/login, /callback, /logout and /deauthorized: the platform's signed
# user.deauthorized callback ($ZONECONNECT_WEBHOOK_SECRET) signs out a user who revokes the app.
app.register_blueprint(create_blueprint(zc, scopes=("openid", "get_user_info")))


@app.get("/")
def index() -> str:
    user = current_user()
    if user is None:
        return '<a href="/zoneconnect/login">Log in with ZoneConnect</a>'
    return f'Hello {{escape(user["nickname"])}}! <a href="/zoneconnect/logout">Log out</a>'
'''

RUN = """\
export ZONECONNECT_APP_KEY=...          # the appkey shown when you registered the app
export ZONECONNECT_WEBHOOK_SECRET=...   # the webhook secret shown with it
flask --app app run --port 5000         # then open http://127.0.0.1:5000/"""


def install_command() -> str:
    """How to install the SDK: from the repository named by ZC_REPOSITORY_URL, or a clone."""
    url = current_app.config.get("ZC_REPOSITORY_URL")
    return INSTALL_FROM_URL.format(url=url) if url else INSTALL_FROM_CLONE


def authorize_url(app: App) -> str:
    """The QQ-compatible login URL for the app's first redirect URI."""
    redirect_uri = app.redirect_uris[0] if app.redirect_uris else "https://example.com/callback"
    query = urlencode({"response_type": "code", "client_id": app.appid,
                       "redirect_uri": redirect_uri, "state": "STATE",
                       "scope": "get_user_info"})
    return f"{base_url()}/oauth2.0/authorize?{query}"


def snippets(app: App) -> dict[str, object]:
    """Everything the app page's "Get started" card prints."""
    callback = LOCAL_SITE + CALLBACK_PATH
    return {
        "authorize_url": authorize_url(app),
        "install": install_command(),
        "app_py": APP_PY.format(name=app.name, appid=app.appid, base_url=base_url(),
                                local_site=LOCAL_SITE, callback=CALLBACK_PATH),
        "run": RUN,
        "callback": callback,
        "callback_registered": callback in app.redirect_uris,
        "deauthorize_url": LOCAL_SITE + DEAUTHORIZED_PATH,
    }
