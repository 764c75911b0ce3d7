"""数据质量 (queries/quality.py) on a hand-built dirty fixture, on SQLite, PostgreSQL and
MariaDB: each check finds exactly the rows planted for it, with its example ids in id order,
and the unknown township codes are listed per table with their counts."""
from __future__ import annotations

from datetime import date as D

import pytest

from conftest import load_rows
from queries.quality import quality_report, unknown_codes
from rows_small_city import META, REGIONS

A, B, UNKNOWN = "350203001", "350206001", "350299001"


def _petition(pid, matter, town, received, status=None, closed=None):
    return dict(petition_id=pid, matter_id=matter, petitioner_id="x" + pid, petitioner_name="某某",
                township_code=town, channel="letter", category="other", received_date=received,
                due_date=D(2026, 12, 31), status=status, closed_date=closed)


def _clue(cid, town, status="pending", concluded=None, transferred=None, transferred_date=None,
          received=D(2026, 5, 1)):
    return dict(clue_id=cid, township_code=town, source="petition", category="other",
                received_date=received, due_date=D(2026, 8, 1), status=status, concluded_date=concluded,
                transferred_to_commission=transferred, transferred_date=transferred_date)


def _recipient(rid, town, amount):
    return dict(recipient_id=rid, person_id="p" + rid, household_id="h" + rid, name="某某",
                township_code=town, programme="dibao_urban", start_date=D(2025, 1, 1), monthly_amount=amount)


def _hit(hid, status, resolved=None):
    return dict(hit_id=hid, recipient_id="r1", township_code=A, register="vehicle",
                hit_date=D(2026, 6, 1), status=status, resolved_date=resolved)


ROWS = {
    "region": REGIONS, "meta": META,
    "recipient": [_recipient("r1", A, 500), _recipient("r2", A, None), _recipient("r3", UNKNOWN, -20),
                  _recipient("r4", B, 0)],
    "petition": [
        # M1's petitions name two townships; M2 one township throughout
        _petition("p1", "M1", A, D(2026, 3, 1)), _petition("p2", "M1", B, D(2026, 4, 1)),
        _petition("p3", "M2", B, D(2026, 3, 1), "closed", None),          # closed without a date
        _petition("p4", "M2", B, D(2026, 4, 1), None, D(2026, 4, 9)),     # a date, no status
        _petition("p5", "M3", "350203", D(2026, 5, 1), "processing", D(2026, 4, 20)),  # a district's code; closed before received
    ],
    "clue": [
        _clue("c1", A, "concluded", D(2026, 6, 1), True, D(2026, 5, 20)),
        _clue("c2", A, "verifying", None, True, None),                    # 移交 without its date
        _clue("c3", B, "verifying", None, True, None),
        _clue("c4", UNKNOWN, "concluded", D(2026, 6, 1), False, None),
    ],
    "payment": [
        dict(payment_id="pay1", recipient_id="r1", pay_month=D(2026, 6, 1), paid_date=D(2026, 6, 10), amount=500),
        dict(payment_id="pay2", recipient_id="r9", pay_month=D(2026, 6, 1), paid_date=D(2026, 6, 10), amount=500),
        dict(payment_id="pay3", recipient_id="r1", pay_month=D(2026, 7, 1), paid_date=None, amount=500),
        dict(payment_id="pay4", recipient_id="r1", pay_month=D(2026, 8, 1), paid_date=D(2026, 8, 10), amount=-5),
        dict(payment_id="pay6", recipient_id="r9", pay_month=D(2026, 7, 1), paid_date=D(2026, 7, 10), amount=5),
    ],
    "crosscheck_hit": [_hit("h1", "cleared", D(2026, 6, 5)), _hit("h2", "confirmed", None),
                       _hit("h3", "pending", D(2026, 6, 9)), _hit("h4", None, None)],
}


@pytest.fixture
def db(open_dataset):
    return open_dataset("fx_quality", lambda url: load_rows(url, ROWS))


def _found(db) -> dict:
    report = quality_report(db)
    return {k: (n, ex) for k, n, ex in zip(report["key"], report["rows"], report["examples"]) if n}


def test_each_check_finds_its_rows(db):
    assert _found(db) == {
        "recipient.unknown_township": (1, ["r3"]),
        "petition.unknown_township": (1, ["p5"]),          # a district's code is no township
        "clue.unknown_township": (1, ["c4"]),
        "petition.closed_before_received": (1, ["p5"]),
        "petition.closed_without_date": (1, ["p3"]),
        "petition.open_with_date": (2, ["p4", "p5"]),      # a NULL status is no status
        "crosscheck_hit.closed_without_date": (1, ["h2"]),
        "crosscheck_hit.open_with_date": (1, ["h3"]),
        "clue.transferred_without_date": (2, ["c2", "c3"]),
        "petition.matter_townships": (1, ["M1"]),
        "recipient.monthly_amount_invalid": (2, ["r2", "r3"]),   # 0 is an amount
        "payment.unknown_recipient": (2, ["pay2", "pay6"]),     # no spell r9: two payments
        "payment.paid_date_missing": (1, ["pay3"]),
        "payment.amount_invalid": (1, ["pay4"]),
    }


def test_every_check_has_its_treatment_and_zero_checks_are_listed(db):
    report = quality_report(db)
    assert report["treatment"].map(bool).all()
    # every check is listed, zero or not
    assert report.loc[report["key"] == "rectification.open_with_date", "rows"].iloc[0] == 0
    assert report.loc[report["key"] == "rectification.closed_before_found", "rows"].iloc[0] == 0


def test_without_the_optional_tables(open_dataset):
    rows = {k: v for k, v in ROWS.items() if k != "crosscheck_hit"}

    def load(url):
        load_rows(url, rows)
        from sqlalchemy import create_engine, text
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE crosscheck_hit"))
            conn.execute(text("DROP TABLE payment"))
        engine.dispose()
    db = open_dataset("fx_quality_noopt", load)
    keys = set(quality_report(db)["key"])
    assert not {k for k in keys if k.startswith(("crosscheck_hit.", "payment."))}
    assert "petition.matter_townships" in keys
    assert set(unknown_codes(db)["table"]) == {"clue", "petition", "recipient"}


def test_unknown_codes_per_table(db):
    codes = unknown_codes(db)
    assert sorted(zip(codes["table"], codes["code"], codes["rows"])) == [
        ("clue", UNKNOWN, 1), ("petition", "350203", 1), ("recipient", UNKNOWN, 1)]
    assert set(codes["table_label"]) == {"问题线索", "信访件", "救助对象保障记录"}
