"""The double-entry ledger: accounts, append-only transactions and their legs."""
