"""Money shown as money: an amount in minor units formatted in the reader's locale
(`¥0.10` in English, `¥0.10` / `US$1.00` in Chinese), never "10 minor units of CNY"."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import get_currency_precision
from flask import Flask
from flask_babel import format_currency


def to_major(minor_units: int, currency: str) -> Decimal:
    """Minor units (fen, cents) as the currency's major unit, exactly."""
    return Decimal(minor_units).scaleb(-get_currency_precision(currency))


def format_money(minor_units: int, currency: str) -> str:
    """`minor_units` of `currency` in the current locale, e.g. 10 CNY -> ¥0.10."""
    return str(format_currency(to_major(minor_units, currency), currency))


def init_app(app: Flask) -> None:
    """`{{ amount|money(currency) }}` in every template."""
    app.add_template_filter(format_money, "money")
