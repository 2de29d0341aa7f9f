"""/developer/apps/<appid>/sandbox: the app's mode, test coins for its test users, its sandbox
orders."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from developer_portal.blueprints import developer as bp
from developer_portal.blueprints import developer_required, me
from gateway.accounts.models import User
from gateway.apps.models import App
from gateway.developers import services
from gateway.extensions import db
from gateway.forms import Form
from gateway.i18n import _, _l
from gateway.ledger import services as ledger
from gateway.payments import sandbox
from gateway.wallet.services import MAX_COINS


class ModeForm(Form):
    mode = SelectField(_l("Mode"), choices=[SelectChoice("sandbox", _l("Sandbox")),
                                            SelectChoice("live", _l("Live"))])


class GrantForm(Form):
    username = SelectField(_l("Test user"), choices=[])
    coins = IntegerField(_l("Test coins to give"), validators=[
        InputRequired(), NumberRange(min=1, max=MAX_COINS)])
    grant_id = HiddenField()


def _testers(app: App) -> list[User]:
    """Who may hold the app's test coins: its test users and its developer."""
    names = services.test_usernames(app)
    users = list(db.session.scalars(select(User).where(User.username.in_(names)))) if names else []
    developer = db.session.get(User, app.developer_id)
    return sorted({u.id: u for u in [*users, *([developer] if developer else [])]}.values(),
                  key=lambda u: u.username)


def _page(app: App, grant_form: GrantForm | None = None, status: int = 200) -> ResponseReturnValue:
    testers = _testers(app)
    form = grant_form or GrantForm(grant_id=sandbox.new_grant_id())
    form.username.choices = [SelectChoice(u.username, u.username) for u in testers]
    if grant_form is None or not form.grant_id.data:
        form.grant_id.data = sandbox.new_grant_id()
    return render_template(
        "developer_portal/sandbox.html", app=app, mode_form=ModeForm(), grant_form=form,
        testers=[(u, ledger.test_coin_balance(u.id)) for u in testers],
        test_sales=sandbox.test_sales(app), orders=sandbox.sandbox_orders(app)), status


@bp.get("/apps/<appid>/sandbox")
@developer_required
def sandbox_page(appid: str) -> ResponseReturnValue:
    """The app's mode, its testers' test coins and its latest sandbox orders."""
    return _page(services.own_app(me(), appid))


@bp.post("/apps/<appid>/sandbox/mode")
@developer_required
def set_mode(appid: str) -> ResponseReturnValue:
    """Switch the app between sandbox and live mode."""
    app = services.own_app(me(), appid)
    form = ModeForm()
    if not form.validate_on_submit():
        return _page(app, status=400)
    sandbox.set_mode(app, sandbox=form.mode.data == "sandbox", actor_id=me().id)
    db.session.commit()
    flash(_("The app is in sandbox mode: new orders are paid in test coins.") if app.sandbox
          else _("The app is in live mode: new orders are paid in real coins."))
    return redirect(url_for("developer.sandbox_page", appid=app.appid), 303)


@bp.post("/apps/<appid>/sandbox/grant")
@developer_required
def grant_test_coins(appid: str) -> ResponseReturnValue:
    """Give one of the app's test users test coins (the same form sent twice grants once)."""
    app = services.own_app(me(), appid)
    form = GrantForm()
    form.username.choices = [SelectChoice(u.username, u.username) for u in _testers(app)]
    if not form.validate_on_submit():
        return _page(app, form, status=400)
    user = db.session.scalar(select(User).where(User.username == form.username.data))
    assert user is not None  # one of the choices
    sandbox.grant_test_coins(app, user.id, int(form.coins.data or 0), actor_id=me().id,
                             grant_id=form.grant_id.data)
    db.session.commit()
    flash(_("%(user)s now has %(coins)s test coins.", user=user.username,
            coins=ledger.test_coin_balance(user.id)))
    return redirect(url_for("developer.sandbox_page", appid=app.appid), 303)
