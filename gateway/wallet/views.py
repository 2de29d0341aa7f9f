"""The wallet page: balance, history and the top-up form."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from gateway import public_url
from gateway.accounts.sessions import current_user
from gateway.accounts.views import login_required, safe_next
from gateway.extensions import db
from gateway.i18n import _, _l, number
from gateway.ledger import services as ledger
from gateway.navigation import add_link
from gateway.wallet import services
from gateway.wallet.forms import TopUpForm

bp = Blueprint("wallet", __name__)


def _next() -> str:
    """Where the user was going before topping up (an order to pay), a path on this site."""
    return safe_next(request.values.get("next"), default="")


def describe(kind: str, memo: str, change: int) -> str:
    """A history line in the reader's language. The ledger's memo is written once, in English,
    for the books; the wallet words it from the transaction's kind (names stay as they are)."""
    coins = number(abs(change))
    if kind == "topup":
        return _("Top-up of %(n)s coins", n=coins)
    if kind == "grant":
        return _("Promotional credit of %(n)s coins", n=coins)
    if kind == "order.refund" or memo.startswith("Refund: "):
        return _("Refund: %(item)s", item=memo.removeprefix("Refund: "))
    return memo  # an order: "<app>: <item>", names the developer chose


def _page(form: TopUpForm, status: int = 200) -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    coins = ledger.user_coins(user.id)
    return render_template("wallet/wallet.html", form=form, coins=coins,
                           test_coins=ledger.test_coin_balance(user.id),
                           history=ledger.history(coins), provider=services.provider_name(),
                           minor=ledger.coin_minor_units(), currency=ledger.money_currency(),
                           next_path=_next(), describe=describe), status


@bp.get("/account/wallet")
@login_required
def wallet() -> ResponseReturnValue:
    """Show the user's coins, their history and the top-up form (`?coins=` suggests a sum)."""
    response = _page(TopUpForm(coins=request.args.get("coins", type=int)))
    db.session.commit()  # the coin account may have just been opened
    return response


@bp.post("/account/wallet/topup")
@login_required
def topup() -> ResponseReturnValue:
    """Buy coins through the configured provider, then go on to `next` (the order to pay)."""
    user = current_user()
    assert user is not None
    form = TopUpForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    onward = _next()
    back = public_url.external(url_for("wallet.wallet", next=onward or None))
    result = services.start_topup(user.id, int(form.coins.data or 0), return_url=back)
    db.session.commit()
    if result.credited:
        flash(_("%(coins)s coins were added to your wallet.", coins=form.coins.data))
        return redirect(onward or url_for("wallet.wallet"))
    # Coins arrive with the provider's signed confirmation, not with this redirect.
    return redirect(result.redirect_url or back)


def init_app(app: Flask) -> None:
    """Register the wallet pages and their navigation link."""
    from gateway import money

    app.register_blueprint(bp)
    money.init_app(app)
    add_link(app, _l("Wallet"), "wallet.wallet")
