"""Pages for signing up, logging in and out, the profile, avatars and passwords."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from gateway.accounts import emails, preferences, services, sessions, throttle
from gateway.accounts.errors import InvalidAvatar, InvalidCredentials, UsernameTaken, WrongPassword
from gateway.accounts.forms import AvatarForm, LoginForm, PasswordForm, ProfileForm, SignupForm
from gateway.audit import services as audit
from gateway.errors import ValidationFailed
from gateway.extensions import db, limiter
from gateway.forms import submitted_text
from gateway.i18n import _, select_locale
from gateway.mfa import state as mfa_state
from gateway.mfa.flow import after_password, step_up_required
from gateway.moderation.errors import AccountSuspended
from gateway.observability import metrics

bp = Blueprint("accounts", __name__)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return default
    return target


def login_required(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Send anonymous visitors to the login page and back."""
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if sessions.current_user() is None:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped


def _login_account_key() -> str:
    # The identity the form checks, read the same way whatever the body's encoding (a JSON
    # body once went on guessing against an account the form had locked).
    return "login-account:" + submitted_text("username").strip().lower()[:64]


def _failed(response: Response) -> bool:
    return response.status_code == 401


@bp.get("/")
def home() -> ResponseReturnValue:
    """The platform's front page."""
    return render_template("home.html", user=sessions.current_user())


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ZC_LOGIN_LIMIT_ADDRESS"], methods=["POST"],
               deduct_when=_failed)
@limiter.limit(lambda: current_app.config["ZC_LOGIN_LIMIT_ACCOUNT"], methods=["POST"],
               key_func=_login_account_key, deduct_when=_failed)
def login() -> ResponseReturnValue:
    """Log in with username and password."""
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data.strip(), form.password.data)
        except InvalidCredentials as exc:
            form.password.errors = [exc.description]
            db.session.commit()  # keep the audit row of the failure
            metrics.login_attempt("failure")
            status = 401
        except AccountSuspended as exc:
            db.session.commit()  # keep the audit row of the refusal
            metrics.login_attempt("failure")
            return render_template("accounts/suspended.html", error=exc), exc.status
        else:
            user.locale = select_locale()
            metrics.login_attempt("success")
            return after_password(user, form.next.data)  # a second factor first, if any
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form,
                           requesting_app=_requesting_app(form.next.data)), status


AUTHORIZE_PATHS = ("/oauth2.0/authorize", "/oauth2/authorize")


def _requesting_app(next_path: str | None) -> Any:
    """The app whose authorization request sent the user to log in, to name it on the page."""
    parts = urlsplit(safe_next(next_path, default=""))
    if parts.path not in AUTHORIZE_PATHS:
        return None
    from gateway.apps.services import find_by_appid
    from gateway.errors import ZoneConnectError

    client_id = parse_qs(parts.query).get("client_id", [""])[0]
    try:
        return find_by_appid(client_id)
    except ZoneConnectError:
        return None


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Log out (POST with a CSRF token, so other sites cannot log users out)."""
    from gateway.oauth import frontchannel  # the apps' front-channel logout (issue 17)

    user = sessions.current_user()
    if user is not None:
        audit.record("logout", actor_id=user.id, subject_type="user", subject_id=user.id)
    frames = frontchannel.logout_urls()
    sessions.logout()  # ends the record: a copied cookie is dead from now on
    db.session.commit()
    if frames:
        return frontchannel.logged_out_page(frames, url_for("accounts.home"))
    return redirect(url_for("accounts.home"))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def signup() -> ResponseReturnValue:
    """Create a platform account, then continue where the visitor was going (`next`)."""
    form = SignupForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        try:
            address = emails.normalize(form.email.data)
            user = services.create_user(form.username.data.strip(), form.password.data,
                                        nickname=(form.nickname.data or "").strip())
            user.locale = select_locale()
            emails.set_address(user, address)
        except (ValidationFailed, UsernameTaken) as exc:
            fields = exc.fields if isinstance(exc, ValidationFailed) else {
                "username": [exc.description]}
            for name, messages in fields.items():
                getattr(form, name).errors = list(messages)
            status = exc.status
        else:
            sessions.login(user)
            db.session.commit()
            flash(_("Welcome! Check your mailbox: we sent a link to confirm your address."))
            return redirect(safe_next(form.next.data, default=url_for("accounts.profile")))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/signup.html", form=form,
                           requesting_app=_requesting_app(form.next.data)), status


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    """Show and edit the profile that apps may read."""
    user = sessions.current_user()
    assert user is not None
    form = ProfileForm(obj=user) if request.method == "GET" else ProfileForm()
    if request.method == "GET":
        form.gender.data = user.gender or ""
        form.language.data = user.language or ""
    status = 200
    if form.validate_on_submit():
        services.update_profile(
            user, nickname=form.nickname.data.strip(), gender=form.gender.data or None,
            province=(form.province.data or "").strip(), city=(form.city.data or "").strip(),
            birth_year=form.birth_year.data, feed_visibility=form.feed_visibility.data,
        )
        # Forms from before these fields existed (or scripts) leave the choices unchanged.
        if "language" in request.form:
            preferences.set_language(user, form.language.data or None)
        if form.timezone.data and "timezone" in request.form:
            preferences.set_timezone(user, form.timezone.data)
        db.session.commit()
        flash(_("Profile saved."))
        return redirect(url_for("accounts.profile"))
    if request.method == "POST":
        status = 400
    return render_template("accounts/profile.html", form=form, avatar_form=AvatarForm(),
                           user=user), status


@bp.post("/account/avatar")
@limiter.limit(lambda: current_app.config["ZC_UPLOAD_LIMIT"], key_func=throttle.per_user("upload"))
@login_required
def upload_avatar() -> ResponseReturnValue:
    """Upload a new avatar; it is resized to every size apps ask for."""
    user = sessions.current_user()
    assert user is not None
    form = AvatarForm()
    error = None
    if form.validate_on_submit():
        try:
            services.set_avatar(user, form.avatar.data.read())
        except InvalidAvatar as exc:
            error = exc.description
        else:
            db.session.commit()
            flash(_("Avatar updated."))
            return redirect(url_for("accounts.profile"))
    else:
        error = next(iter(form.avatar.errors or form.csrf_token.errors or []),
                     _("Choose an image to upload."))
    profile_form = ProfileForm(obj=user)
    profile_form.gender.data = user.gender or ""
    form.avatar.errors = [error]
    return render_template("accounts/profile.html", form=profile_form, avatar_form=form,
                           user=user), 400


@bp.get("/avatars/<key>/<int:size>")
def avatar(key: str, size: int) -> ResponseReturnValue:
    """Serve an avatar image at one of the QQ sizes."""
    found = services.avatar_image(key[:64], size)
    if found is None:
        abort(404)
    data, content_type = found
    response = Response(data, mimetype=content_type)
    response.headers["Cache-Control"] = "public, max-age=86400, immutable"
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@throttle.secret_check("password-check", "ZC_PASSWORD_CHECK_LIMIT", methods=["POST"])
@login_required
@step_up_required
def change_password() -> ResponseReturnValue:
    """Change the password; other sessions are logged out."""
    user = sessions.current_user()
    assert user is not None
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except ValidationFailed as exc:
            for name, messages in exc.fields.items():
                getattr(form, name).errors = list(messages)
            status = 400
            if isinstance(exc, WrongPassword):
                throttle.failed()
                db.session.commit()  # keep the audit row of the failed check
        else:
            proved = mfa_state.session_amr()
            # The others were ended by the change; this one starts afresh, with what it proved.
            mfa_state.record_login(sessions.login(user), proved or ["pwd"])
            db.session.commit()
            flash(_("Password changed. Other sessions were logged out."))
            return redirect(url_for("accounts.profile"))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/password.html", form=form), status

