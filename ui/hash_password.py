"""Print the bcrypt hash of a password, for the ``password:`` of a user in the user file.

    python -m ui.hash_password            # asks for the password twice (not echoed)
    make hash-password
"""
from __future__ import annotations

import getpass
import sys

import bcrypt


def hash_password(password: str) -> str:
    """The bcrypt hash streamlit-authenticator checks against (cost 12)."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=12)).decode("ascii")


def main() -> int:
    first = getpass.getpass("新密码：")
    if len(first) < 8:
        print("密码至少 8 位。", file=sys.stderr)
        return 1
    if getpass.getpass("再输入一次：") != first:
        print("两次输入不一致。", file=sys.stderr)
        return 1
    print(hash_password(first))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
