"""Accounts for the store tests: real accounts created through ``data.accounts``."""

from __future__ import annotations

from collections.abc import Iterable

from data import accounts as acc
from data.access import Account
from data.store import Store


def account(store: Store, name: str = "root", *, role: str = "admin",
            offices: Iterable[str] = (), courier_id: str | None = None,
            password: str | None = None) -> Account:
    """Return the account ``name`` (lower-cased), creating it on first use.

    The first account of a store is the admin ``root`` (created as the app's setup does);
    the others are added by it. Accounts without a password are fast to make (no Argon2).
    """
    name = name.lower()
    found = acc.get_account(store, name)
    if found is not None:
        return found
    if acc.count_accounts(store) == 0:
        root = acc.create_first_admin(store, "root", password=None)
        if name == "root":
            return root
    root_account = acc.get_account(store, "root") or acc.get_account(store, "admin")
    assert root_account is not None, "the store's first admin is 'root' or 'admin'"
    return acc.add_account(store, name, actor=root_account, role=role, password=password,
                           offices=offices, courier_id=courier_id)
