"""The user file, the cookie key, and masking — each rule with the value a user would see."""
from __future__ import annotations

import json
import textwrap

import pandas as pd
import pytest

from ui.access import AccessConfigError, User, load_user_file, user_from
from ui.access_log import append
from ui.hash_password import hash_password
from ui.privacy import mask_frame, mask_name, shorten_id

KEY = "k" * 40
HASH = "$2b$12$Ye/m1JcqxzdTuhHY.1Il3.Lgm30A7JDobPQlmVryAymr0pda9obha"


def _file(tmp_path, body: str):
    path = tmp_path / "users.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_demo_user_file_loads_with_a_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("OVERSIGHT_COOKIE_KEY", KEY)
    users = load_user_file()
    assert sorted(users.credentials["usernames"]) == ["commission", "huli", "leader", "siming", "supervisor"]
    assert users.cookie_key == KEY
    siming = user_from(users.credentials, "Siming")
    assert siming == User("siming", "思明区民政局", "district", ("350203",))
    assert user_from(users.credentials, "leader").masks_names
    assert not user_from(users.credentials, "commission").masks_names
    assert user_from(users.credentials, "nobody") is None


@pytest.mark.parametrize("key", ["", "short-key", "x" * 31])
def test_no_cookie_key_refuses_to_start(monkeypatch, tmp_path, key):
    monkeypatch.setenv("OVERSIGHT_COOKIE_KEY", key)
    path = _file(tmp_path, f"""
        credentials:
          usernames:
            a: {{name: A, password: '{HASH}', roles: [leader]}}
        """)
    with pytest.raises(AccessConfigError, match="Cookie 签名密钥"):
        load_user_file(path)


def test_cookie_key_from_the_file(monkeypatch, tmp_path):
    monkeypatch.delenv("OVERSIGHT_COOKIE_KEY", raising=False)
    path = _file(tmp_path, f"""
        cookie: {{name: c, key: '{"z" * 32}'}}
        credentials:
          usernames:
            a: {{name: A, password: '{HASH}', roles: [leader]}}
        """)
    assert load_user_file(path).cookie_key == "z" * 32


def test_every_problem_of_the_file_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("OVERSIGHT_COOKIE_KEY", KEY)
    path = _file(tmp_path, f"""
        credentials:
          usernames:
            plain: {{name: P, password: 'secret', roles: [leader]}}
            tworoles: {{name: T, password: '{HASH}', roles: [leader, commission]}}
            district: {{name: D, password: '{HASH}', roles: [district]}}
            badregion: {{name: B, password: '{HASH}', roles: [supervisor], regions: '350203'}}
        """)
    with pytest.raises(AccessConfigError) as err:
        load_user_file(path)
    message = str(err.value)
    for name in ("plain", "tworoles", "district", "badregion"):
        assert name in message
    assert "bcrypt" in message and "regions" in message


def test_missing_user_file(monkeypatch, tmp_path):
    monkeypatch.setenv("OVERSIGHT_COOKIE_KEY", KEY)
    with pytest.raises(AccessConfigError, match="找不到用户文件"):
        load_user_file(tmp_path / "none.yaml")


def test_hash_password_is_checked_by_bcrypt():
    import bcrypt
    hashed = hash_password("Leader@2026")
    assert hashed.startswith("$2b$12$")
    assert bcrypt.checkpw(b"Leader@2026", hashed.encode())
    assert not bcrypt.checkpw(b"leader@2026", hashed.encode())


@pytest.mark.parametrize("name, masked", [
    ("张三丰", "张*丰"), ("张三", "张*"), ("欧阳娜娜", "欧**娜"), ("王", "王"), (None, None), ("", ""),
])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("value, shown", [
    ("0067d986705cea7b", "0067d9…7b"), ("R00000393", "R00000…93"), ("ABCDEFGH", "AB…"), (None, None),
])
def test_ids_are_never_whole(value, shown):
    assert shorten_id(value) == shown


def test_mask_frame_by_role():
    frame = pd.DataFrame({"person_id": ["0067d986705cea7b"], "name": ["张三丰"], "township": ["厦港街道"]})
    leader = User("l", "L", "leader", None)
    commission = User("c", "C", "commission", None)
    assert mask_frame(frame, leader).iloc[0].tolist() == ["0067d9…7b", "张*丰", "厦港街道"]
    assert mask_frame(frame, commission).iloc[0].tolist() == ["0067d9…7b", "张三丰", "厦港街道"]
    assert frame.iloc[0, 1] == "张三丰"      # the caller's frame is left alone


def test_mask_frame_integer_ids_and_every_personal_column_of_the_contract():
    # a database may hold ids as integers; the payment table's holder name, the household
    # and account ids are personal too (reporting-db.md)
    frame = pd.DataFrame({"person_id": [35020319900101, None], "household_id": ["H0000012345", "H0000067890"],
                          "account_id": ["6a1f93c0d2e4b5a7", None], "account_holder_name": ["王小明", "李四"],
                          "amount": [650.0, 700.0]})
    leader = User("l", "L", "leader", None)
    shown = mask_frame(frame, leader)
    assert shown["person_id"].tolist() == ["350203…01", None]
    assert shown["household_id"].tolist() == ["H00000…45", "H00000…90"]
    assert shown["account_id"].tolist() == ["6a1f93…a7", None]
    assert shown["account_holder_name"].tolist() == ["王*明", "李*"]
    assert shown["amount"].tolist() == [650.0, 700.0]
    commission = mask_frame(frame, User("c", "C", "commission", None))
    assert commission["account_holder_name"].tolist() == ["王小明", "李四"]
    assert commission["person_id"].tolist() == ["350203…01", None]


def test_mask_frame_by_kind_whatever_the_column_is_called():
    frame = pd.DataFrame({"who": ["张三丰"], "pid": ["0067d986705cea7b"], "note": ["低保"]})
    shown = mask_frame(frame, User("l", "L", "leader", None), {"who": "name", "pid": "id", "note": "text"})
    assert shown.iloc[0].tolist() == ["张*丰", "0067d9…7b", "低保"]


def test_access_log_lines_are_json(tmp_path):
    path = tmp_path / "sub" / "access.log"
    append(path, {"user": "leader", "rows": 3})
    append(path, {"user": "siming", "rows": 0})
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["user"] for x in lines] == ["leader", "siming"]


def _write_lines(path: str, writer: int, n: int) -> None:
    from pathlib import Path
    for i in range(n):
        # long lines make a torn write likelier
        append(Path(path), {"writer": writer, "i": i, "page": "应保尽保" * 1000})     # 12 KB: past a buffered file's 8 KB


def test_concurrent_writers_lose_and_tear_no_line(tmp_path):
    """Several app processes append to one access log at once (issue 14, part 3): every
    line arrives whole, none is lost."""
    import json
    import multiprocessing
    path = tmp_path / "access.log"
    writers, lines = 4, 400
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_lines, args=(str(path), w, lines)) for w in range(writers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(entries) == writers * lines
    assert sorted((e["writer"], e["i"]) for e in entries) == [(w, i) for w in range(writers) for i in range(lines)]
