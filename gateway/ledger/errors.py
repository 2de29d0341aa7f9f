"""Errors of the ledger."""

from __future__ import annotations

from gateway.errors import ZoneConnectError
from gateway.i18n import _l


class InsufficientFunds(ZoneConnectError):
    code = "insufficient_funds"
    status = 402
    description = _l("The balance is too low for this payment.")


class UnbalancedTransaction(ZoneConnectError):
    code = "unbalanced_transaction"
    status = 500
    description = _l("A ledger transaction must sum to zero per currency.")


class MixedBooks(ZoneConnectError):
    code = "mixed_books"
    status = 500
    description = _l("A ledger transaction must stay inside one book (live or test).")
