"""Developer pages: the profile, the app list, registering and editing apps, icons."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from developer_portal.blueprints import developer as bp
from developer_portal.blueprints import developer_required, me
from developer_portal.forms import AppForm, IconForm, ProfileForm
from gateway.accounts import throttle
from gateway.accounts.views import login_required
from gateway.apps import services as app_services
from gateway.apps.errors import AppNotFound
from gateway.developers import keys, services
from gateway.developers.errors import InvalidIcon
from gateway.errors import ValidationFailed
from gateway.extensions import db, limiter
from gateway.i18n import _
from gateway.outbox import endpoints
from gateway.security import reveal


def _apply_errors(form: AppForm, exc: ValidationFailed) -> None:
    for name, messages in exc.fields.items():
        target = getattr(form, name, None) or form.name
        target.errors = [*list(target.errors or []), *messages]


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> ResponseReturnValue:
    """The portal home: open a developer profile, or see your apps."""
    user = me()
    profile = services.profile_of(user)
    if profile is not None:
        return render_template("developer_portal/index.html", profile=profile,
                               apps=services.apps_of(user), key_count=len(
                                   [k for k in keys.keys_of(user) if k.active]))
    form = ProfileForm()
    if form.validate_on_submit():
        services.open_profile(user, name=form.name.data.strip(),
                              contact_email=form.contact_email.data.strip())
        db.session.commit()
        flash(_("Welcome! Your developer profile is open. Register your first app."))
        return redirect(url_for("developer.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("developer_portal/open_profile.html", form=form), status


@bp.route("/profile", methods=["GET", "POST"])
@developer_required
def profile() -> ResponseReturnValue:
    """Edit the developer profile."""
    current = services.require_profile(me())
    form = ProfileForm(obj=current) if request.method == "GET" else ProfileForm()
    if form.validate_on_submit():
        services.open_profile(me(), name=form.name.data.strip(),
                              contact_email=form.contact_email.data.strip())
        db.session.commit()
        flash(_("Profile saved."))
        return redirect(url_for("developer.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("developer_portal/profile.html", form=form), status


@bp.route("/apps/new", methods=["GET", "POST"])
@developer_required
def new_app() -> ResponseReturnValue:
    """Register an app; its appkey is shown on the answer page, once."""
    form = AppForm()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            app, appkey = app_services.create_app(
                me(), name=form.name.data, redirect_uris=form.uri_list(),
                app_type=form.app_type.data, website=form.website.data or "",
                description=form.description.data or "", category=form.category.data)
            if form.webhook_url.data:  # the first webhook endpoint, subscribed to every event
                endpoints.create_endpoint(app, me().id, form.webhook_url.data,
                                          field="webhook_url", secret=app.webhook_secret)
            services.update_app(app, me(), {
                "deauthorize_url": form.deauthorize_url.data or "",
                "post_logout_redirect_uris": form.post_logout_list(),
                "backchannel_logout_uri": form.backchannel_logout_uri.data or "",
                **form.logout_settings(),
                "access_token_format": form.access_token_format.data,
                "token_exchange_enabled": bool(form.token_exchange_enabled.data),
                "require_par": bool(form.require_par.data),
                "require_dpop": bool(form.require_dpop.data)})
            services.set_test_users(app, me(), form.test_user_list())
        except ValidationFailed as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        else:
            db.session.commit()
            # Post/redirect/get: refreshing the answer must not register a second app.
            reveal.stash("appkey", app.appid or "", {
                "appkey": appkey, "webhook_secret": app.webhook_secret, "created": "1"})
            return redirect(url_for("developer.credentials", appid=app.appid), 303)
    return render_template("developer_portal/app_form.html", form=form, app=None), status


@bp.route("/apps/<appid>/edit", methods=["GET", "POST"])
@developer_required
def edit_app(appid: str) -> ResponseReturnValue:
    """Edit an app's details, redirect URIs, callbacks and test users."""
    app = services.own_app(me(), appid)
    form = AppForm(obj=app) if request.method == "GET" else AppForm()
    del form.webhook_url  # endpoints are managed on the app's webhooks page
    if request.method == "GET":
        form.redirect_uris.data = "\n".join(app.redirect_uris)
        form.post_logout_redirect_uris.data = "\n".join(app.post_logout_redirect_uris or [])
        form.test_users.data = "\n".join(services.test_usernames(app))
    if form.validate_on_submit():
        try:
            services.update_app(app, me(), {
                "name": form.name.data, "description": form.description.data or "",
                "category": form.category.data, "website": form.website.data or "",
                "app_type": form.app_type.data, "redirect_uris": form.uri_list(),
                "deauthorize_url": form.deauthorize_url.data or "",
                "post_logout_redirect_uris": form.post_logout_list(),
                "backchannel_logout_uri": form.backchannel_logout_uri.data or "",
                **form.logout_settings(),
                "access_token_format": form.access_token_format.data,
                "token_exchange_enabled": bool(form.token_exchange_enabled.data),
                "require_par": bool(form.require_par.data),
                "require_dpop": bool(form.require_dpop.data)})
            services.set_test_users(app, me(), form.test_user_list())
        except ValidationFailed as exc:
            db.session.rollback()
            _apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("App saved."))
            return redirect(url_for("developer.app_detail", appid=app.appid))
    status = 400 if request.method == "POST" else 200
    return render_template("developer_portal/app_form.html", form=form, app=app), status


@bp.post("/apps/<appid>/icon")
@limiter.limit(lambda: current_app.config["ZC_UPLOAD_LIMIT"], key_func=throttle.per_user("upload"))
@developer_required
def upload_icon(appid: str) -> ResponseReturnValue:
    """Upload the app's icon (stored as small PNGs)."""
    from developer_portal.app_views import icon_failed

    app = services.own_app(me(), appid)
    form = IconForm()
    if not form.validate_on_submit():
        return icon_failed(app, form, InvalidIcon("Choose an image to upload."))
    try:
        services.set_icon(app, me(), form.icon.data.read(),
                          current_app.config["ZC_AVATAR_MAX_PIXELS"])
    except InvalidIcon as exc:
        db.session.rollback()
        return icon_failed(app, form, exc)
    db.session.commit()
    flash(_("Icon updated."))
    return redirect(url_for("developer.app_detail", appid=app.appid))


@bp.get("/icons/<appid>/<int:size>.png")
def icon(appid: str, size: int) -> ResponseReturnValue:
    """An app's icon (public: consent pages and app lists show it)."""
    try:
        app = app_services.find_by_appid(appid)
    except AppNotFound:
        abort(404)
    data = services.icon(app.id, size)
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response

