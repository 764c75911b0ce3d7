"""The reporting-database contract (../shared/spec/reporting-db.md) as SQLAlchemy Core tables.

One declaration serves three uses: the contract check at start (which tables and columns
must exist), the demo generator and test fixtures (``metadata.create_all``), and the DDL
printout for the ETL team::

    python -m queries.schema --dialect postgresql
"""
from __future__ import annotations

import argparse
import sys

from sqlalchemy import (
    Boolean, Column, Date, Float, Index, Integer, MetaData, Numeric, String, Table, Text,
    create_mock_engine,
)

metadata = MetaData()

# Codes and ids are short ASCII strings; String(n) keeps MariaDB's indexes usable
# (MariaDB cannot index TEXT without a prefix length).
CODE = String(12)
ID = String(64)
ENUM = String(32)

region = Table(
    "region", metadata,
    Column("code", CODE, primary_key=True),
    Column("name", String(64), nullable=False),
    Column("level", ENUM, nullable=False),
    Column("parent_code", CODE),
    Column("lon", Float),
    Column("lat", Float),
    Column("population", Integer),
)

recipient = Table(
    "recipient", metadata,
    Column("recipient_id", ID, primary_key=True),
    Column("person_id", ID, nullable=False),
    Column("household_id", ID),
    Column("name", String(64)),
    Column("township_code", CODE),
    Column("programme", ENUM, nullable=False),
    Column("single_person_household", Boolean),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("exit_reason", ENUM),
    Column("monthly_amount", Numeric(12, 2)),
    Column("staff_relative", Boolean),
    Column("medical_aid", Boolean),
    Column("education_aid_needed", Boolean),
    Column("education_aid", Boolean),
    Column("housing_aid_needed", Boolean),
    Column("housing_aid", Boolean),
)

screening = Table(
    "screening", metadata,
    Column("screening_id", ID, primary_key=True),
    Column("person_id", ID, nullable=False),
    Column("name", String(64)),
    Column("township_code", CODE),
    Column("category", ENUM),
    Column("screened_date", Date, nullable=False),
    Column("assessed_eligible", Boolean),
)

death_record = Table(
    "death_record", metadata,
    Column("person_id", ID, nullable=False),
    Column("death_date", Date, nullable=False),
    Column("source", ENUM),
)

payment = Table(
    "payment", metadata,
    Column("payment_id", ID, primary_key=True),
    Column("recipient_id", ID, nullable=False),
    Column("pay_month", Date, nullable=False),
    Column("paid_date", Date),
    Column("amount", Numeric(12, 2)),
    Column("account_id", ID),
    Column("account_holder_name", String(64)),
)

crosscheck_hit = Table(
    "crosscheck_hit", metadata,
    Column("hit_id", ID, primary_key=True),
    Column("recipient_id", ID),
    Column("township_code", CODE),
    Column("register", ENUM),
    Column("hit_date", Date, nullable=False),
    Column("status", ENUM),
    Column("resolved_date", Date),
)

petition = Table(
    "petition", metadata,
    Column("petition_id", ID, primary_key=True),
    Column("matter_id", ID, nullable=False),
    Column("petitioner_id", ID),
    Column("petitioner_name", String(64)),
    Column("township_code", CODE),
    Column("channel", ENUM),
    Column("category", ENUM),
    Column("received_date", Date, nullable=False),
    Column("due_date", Date),
    Column("status", ENUM),
    Column("closed_date", Date),
    Column("satisfied", Boolean),
)

clue = Table(
    "clue", metadata,
    Column("clue_id", ID, primary_key=True),
    Column("township_code", CODE),
    Column("source", ENUM),
    Column("category", ENUM),
    Column("received_date", Date, nullable=False),
    Column("due_date", Date),
    Column("status", ENUM),
    Column("concluded_date", Date),
    Column("substantiated", Boolean),
    Column("disposed", Boolean),
    Column("involves_official", Boolean),
    Column("transferred_to_commission", Boolean),
    Column("transferred_date", Date),
    Column("case_filed", Boolean),
    Column("officials_held_accountable", Integer),
)

rectification = Table(
    "rectification", metadata,
    Column("item_id", ID, primary_key=True),
    Column("campaign_id", ID),
    Column("township_code", CODE),
    Column("source", ENUM),
    Column("clue_id", ID),
    Column("category", ENUM),
    Column("description", Text),
    Column("found_date", Date, nullable=False),
    Column("responsible_unit", String(128)),
    Column("responsible_person", String(64)),
    Column("deadline", Date),
    Column("status", ENUM),
    Column("closed_date", Date),
)

campaign = Table(
    "campaign", metadata,
    Column("campaign_id", ID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
)

campaign_phase = Table(
    "campaign_phase", metadata,
    Column("campaign_id", ID, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("name", String(64), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
)

meta = Table(
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(255)),
)

OPTIONAL_TABLES = frozenset({"payment", "crosscheck_hit"})
REQUIRED_TABLES = tuple(t for t in metadata.tables if t not in OPTIONAL_TABLES)

# The contract's recommended indexes, plus two of ours (marked) that the 漏保 query needs:
# the latest screening row per person and the recipient lookup by id for payments.
RECOMMENDED_INDEXES: tuple[Index, ...] = (
    Index("ix_recipient_person", recipient.c.person_id, recipient.c.programme,
          recipient.c.start_date, recipient.c.end_date),
    # the contract's (township_code, start_date), widened to cover the active-spell
    # figures: per-township sums then stream in index order, with no sort and no table
    # lookups (1.3 s → 0.4 s for 1.2 M active spells on SQLite)
    Index("ix_recipient_township", recipient.c.township_code, recipient.c.start_date,
          recipient.c.end_date, recipient.c.programme, recipient.c.person_id,
          recipient.c.medical_aid, recipient.c.education_aid_needed, recipient.c.education_aid,
          recipient.c.housing_aid_needed, recipient.c.housing_aid, recipient.c.staff_relative),
    # ours: 近亲属享受 reads the few spells flagged as a staff relative (0.5 % at province
    # scale) instead of every spell's entry in ix_recipient_township (province: SQLite
    # 0.13 s, PostgreSQL 0.15 s → a few ms); covering, so no table rows are read
    Index("ix_recipient_staff_relative", recipient.c.staff_relative, recipient.c.township_code,
          recipient.c.start_date, recipient.c.end_date, recipient.c.programme,
          recipient.c.person_id),
    # the contract's (township_code, screened_date), widened to cover 漏保: the per-township
    # pass then reads no table rows (SQLite, province: 0.87 s → 0.48 s)
    Index("ix_screening_township", screening.c.township_code, screening.c.screened_date,
          screening.c.assessed_eligible, screening.c.person_id, screening.c.screening_id,
          screening.c.category),
    # ours: the latest row per person, widened to cover the 漏保 pass read in person
    # order, so its seeks (later row, death, cover) go to neighbouring keys: SQLite,
    # province, 0.65 s → 0.28 s; PostgreSQL merge-joins instead of hashing, 0.6 → 0.35 s
    Index("ix_screening_person", screening.c.person_id, screening.c.screened_date,
          screening.c.screening_id, screening.c.assessed_eligible, screening.c.township_code,
          screening.c.category),
    Index("ix_death_person", death_record.c.person_id, death_record.c.death_date),
    # matters in petition order, widened to cover the petition figures (channel, dates,
    # satisfaction): PostgreSQL then reads no table rows (district 93 → 62 ms)
    Index("ix_petition_matter", petition.c.matter_id, petition.c.received_date,
          petition.c.petition_id, petition.c.township_code, petition.c.closed_date,
          petition.c.due_date, petition.c.channel, petition.c.category, petition.c.satisfied),
    # the contract's (township_code, received_date), widened like ix_petition_matter: a
    # scope's petitions are its matters' (but the few across its border, matter_places),
    # read without table rows (SQLite, 重复信访 at a province's district: 113 → 88 ms)
    Index("ix_petition_township", petition.c.township_code, petition.c.received_date,
          petition.c.matter_id, petition.c.petition_id, petition.c.closed_date,
          petition.c.due_date, petition.c.channel, petition.c.category, petition.c.satisfied),
    Index("ix_clue_township", clue.c.township_code, clue.c.received_date),
    Index("ix_rectification_campaign", rectification.c.campaign_id, rectification.c.found_date,
          rectification.c.closed_date, rectification.c.township_code),
    Index("ix_rectification_township", rectification.c.township_code,
          rectification.c.found_date),
    Index("ix_payment_recipient", payment.c.recipient_id, payment.c.pay_month),
    # ours: the 资金发放 figures sum the period's payments per spell, holder and account in
    # one pass in this index's order, reading no table rows (a spell's payments are also
    # found here by a seek)
    Index("ix_payment_spell", payment.c.recipient_id, payment.c.account_id, payment.c.account_holder_name,
          payment.c.paid_date, payment.c.pay_month, payment.c.amount),
    # ours: below the top, the other households paid into a scope's accounts (共用账户)
    Index("ix_payment_account", payment.c.account_id, payment.c.paid_date, payment.c.recipient_id),
    # ours: 持卡人不一致 looks for the holder's name among the household's spells, a seek
    # per payment whose holder is not the recipient (demo: 2.1 s without it)
    Index("ix_recipient_household", recipient.c.household_id, recipient.c.name),
    Index("ix_crosscheck_township", crosscheck_hit.c.township_code, crosscheck_hit.c.hit_date),
)
OUR_EXTRA_INDEXES = frozenset({"ix_screening_person", "ix_recipient_staff_relative",
                               "ix_recipient_household", "ix_payment_spell", "ix_payment_account"})


def create_all(engine, *, indexes: bool = True) -> None:
    """Create every contract table (and the recommended indexes) on ``engine``."""
    metadata.create_all(engine)
    if indexes:
        create_indexes(engine)


def create_indexes(engine) -> None:
    with engine.begin() as conn:
        for index in RECOMMENDED_INDEXES:
            index.create(conn, checkfirst=True)


def ddl(dialect: str) -> str:
    """The CREATE TABLE and CREATE INDEX statements for one SQL dialect."""
    out: list[str] = []

    def dump(sql, *multiparams, **params):
        out.append(str(sql.compile(dialect=mock.dialect)).strip() + ";\n")

    mock = create_mock_engine(f"{dialect}://", dump)
    metadata.create_all(mock, checkfirst=False)
    for index in RECOMMENDED_INDEXES:
        index.create(mock, checkfirst=False)
    return "\n".join(out)


def index_label(index: Index) -> str:
    """How the contract check names an index: ``table (col, col)``."""
    return f"{index.table.name} ({', '.join(c.name for c in index.columns)})"


def index_ddl(labels, dialect) -> str:
    """CREATE INDEX statements, in ``dialect`` (a SQLAlchemy dialect), for the recommended
    indexes named by ``labels`` (as ``index_label`` names them)."""
    from sqlalchemy.schema import CreateIndex
    wanted = set(labels)
    return "\n".join(str(CreateIndex(ix).compile(dialect=dialect)).strip() + ";"
                     for ix in RECOMMENDED_INDEXES if index_label(ix) in wanted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="打印报表库契约的建表语句 (DDL)")
    parser.add_argument("--dialect", default="postgresql",
                        help="sqlite, postgresql, mysql or mariadb (default postgresql)")
    parser.add_argument("--database", default="<报表库名>", help="the reporting database's name, for --accounts")
    parser.add_argument("--accounts", action="store_true",
                        help="also the SELECT-only account for PostgreSQL and for MySQL/MariaDB")
    args = parser.parse_args(argv)
    sys.stdout.write(ddl(args.dialect))
    if args.accounts:
        from queries.privileges import reader_sql
        for dialect in ("postgresql", "mysql"):
            sys.stdout.write("\n" + reader_sql(dialect, args.database))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
