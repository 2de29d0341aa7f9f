"""Operators: edit the revenue-share tiers, refund an order."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from developer_portal.revenue.access import admin_only, me
from gateway.errors import ValidationFailed, ZoneConnectError
from gateway.extensions import db
from gateway.forms import Form
from gateway.i18n import _, _l
from gateway.payments import services as payments
from gateway.revenue import tiers

bp = Blueprint("admin_revenue", __name__, url_prefix="/admin/revenue",
               template_folder="templates")


class TiersForm(Form):
    effective_from = DateField(_l("Effective from"), validators=[InputRequired()])
    bands = TextAreaField(_l("Bands: one per line, '<from, in major units> <developer share %>'"),
                          validators=[InputRequired(), Length(max=2000)])


class RefundForm(Form):
    order_id = StringField(_l("Order id"), validators=[InputRequired(), Length(max=40)])


def parse_bands(text: str) -> list[tuple[int, int]]:
    """'0 100\\n100000 70' → [(0, 10000), (10000000, 7000)]; ValidationFailed on bad lines."""
    bands = []
    for number, line in enumerate(text.strip().splitlines(), 1):
        parts = line.replace(",", " ").replace("%", " ").split()
        try:
            low, share = float(parts[0]), float(parts[1])
            if len(parts) != 2 or low != low or share != share or abs(low) > 1e12:
                raise ValueError
        except (ValueError, IndexError):
            problem = f"Line {number}: write '<from> <share %>'."
            raise ValidationFailed({"bands": [problem]}) from None
        bands.append((round(low * 100), round(share * 100)))
    return tiers.validate(bands)


def _page(form: TiersForm, refund_form: RefundForm, status: int = 200) -> ResponseReturnValue:
    return render_template("revenue_portal/tiers.html", form=form, refund_form=refund_form,
                           schedules=tiers.schedules()), status


@bp.route("/tiers", methods=["GET", "POST"])
@admin_only
def edit_tiers() -> ResponseReturnValue:
    """Show every tier schedule and add or replace one from a date."""
    form, refund_form = TiersForm(), RefundForm(prefix="refund")
    if request.method == "GET":
        form.effective_from.data = form.effective_from.data or date.today()
        form.bands.data = form.bands.data or "0 100\n100000 70\n1000000 50"
        page = _page(form, refund_form)
        db.session.commit()  # the default schedule may have just been seeded
        return page
    if not form.validate_on_submit():
        return _page(form, refund_form, 400)
    try:
        bands = parse_bands(form.bands.data or "")
        assert form.effective_from.data is not None
        tiers.save_schedule(form.effective_from.data, bands, actor_id=me().id)
    except ValidationFailed as exc:
        form.bands.errors = list(exc.fields.get("bands", []))
        return _page(form, refund_form, 400)
    db.session.commit()
    flash(_("The tier schedule was saved."))
    return redirect(url_for("admin_revenue.edit_tiers"))


@bp.post("/refunds")
@admin_only
def refund() -> ResponseReturnValue:
    """Refund a paid order on an operator's decision."""
    form = RefundForm(prefix="refund")
    if not form.validate_on_submit():
        return _page(TiersForm(), form, 400)
    try:
        order = payments.refund((form.order_id.data or "").strip(), actor_id=me().id)
    except ZoneConnectError as exc:
        db.session.rollback()
        form.order_id.errors = [exc.description]
        return _page(TiersForm(), form, exc.status)
    db.session.commit()
    flash(_("Order %(id)s was refunded.", id=order.id))
    return redirect(url_for("admin_revenue.edit_tiers"))
