"""Opening the reporting database: check it against the contract, read its meta data.

``Database.open`` is what the app calls at start. A missing required table or column is
one ``ContractViolation`` naming all of them; a missing optional table only switches off
the figures that need it; a missing recommended index is a warning, not an error.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import func, inspect, select, union_all
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from queries.matter_places import MattersAcross
from queries.db import DatabaseUnavailable, describe_url, fetch, read_only_engine
from queries.privileges import write_access
from queries.sql import mark_bytewise_collation
from queries.period import CAMPAIGN, BadPeriod, Period, make_period, quarter_of, quarters_between
from queries.schema import (
    OPTIONAL_TABLES, RECOMMENDED_INDEXES, index_label, campaign, campaign_phase, clue, meta, metadata,
    petition, rectification, screening,
)
from queries.scope import RegionTree, Scope, deployment_scope, resolve_scope

log = logging.getLogger(__name__)


class ContractViolation(RuntimeError):
    """The database does not follow reporting-db.md; the message names what is missing."""


@dataclass(frozen=True)
class Phase:
    seq: int
    name: str
    start: date
    end: date


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    name: str
    start: date
    end: date
    phases: tuple[Phase, ...]


@dataclass(frozen=True)
class ContractReport:
    missing_tables: tuple[str, ...] = ()
    missing_columns: tuple[str, ...] = ()          # 'table.column'
    missing_optional: tuple[str, ...] = ()
    missing_indexes: tuple[str, ...] = ()          # readable index descriptions

    @property
    def ok(self) -> bool:
        return not self.missing_tables and not self.missing_columns

    def error_message(self) -> str:
        parts = []
        if self.missing_tables:
            parts.append("缺少数据表：" + "、".join(self.missing_tables))
        if self.missing_columns:
            parts.append("缺少字段：" + "、".join(self.missing_columns))
        return ("报表库不符合数据契约（reporting-db.md）。" + "；".join(parts) +
                "。请联系信息科（ETL）补齐后重新加载。")


def check_contract(engine: Engine) -> ContractReport:
    """Compare the database's tables, columns and indexes with the contract."""
    insp = inspect(engine)
    present = {t.lower() for t in insp.get_table_names()}
    missing_tables, missing_columns, missing_optional = [], [], []
    for name, table in metadata.tables.items():
        if name not in present:
            (missing_optional if name in OPTIONAL_TABLES else missing_tables).append(name)
            continue
        have = {c["name"].lower() for c in insp.get_columns(name)}
        missing_columns += [f"{name}.{c.name}" for c in table.columns if c.name not in have]
    missing_indexes = []
    for index in RECOMMENDED_INDEXES:
        table = index.table.name
        if table not in present:
            continue
        wanted = [c.name for c in index.columns]
        existing = [[(c or "").lower() for c in ix.get("column_names", [])]
                    for ix in insp.get_indexes(table)]
        pk = [c.lower() for c in insp.get_pk_constraint(table).get("constrained_columns", [])]
        if not any(cols[: len(wanted)] == wanted for cols in existing + [pk]):
            missing_indexes.append(index_label(index))
    return ContractReport(tuple(missing_tables), tuple(missing_columns),
                          tuple(missing_optional), tuple(missing_indexes))


@dataclass
class Database:
    """The reporting database as the dashboard sees it: engine, regions, meta, campaign."""

    engine: Engine
    tree: RegionTree
    data_as_of: date
    loaded_at: str | None
    source_note: str | None
    campaign: Campaign | None
    data_start: date
    contract: ContractReport = field(default_factory=ContractReport)
    # what the account may write (queries.privileges), in Chinese; empty: read only
    write_access: tuple[str, ...] = ()
    _matters_across: MattersAcross | None = field(default=None, repr=False, compare=False)
    _across_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def open(cls, url: str | None = None, engine: Engine | None = None, *,
             inspect_contract: bool = True) -> "Database":
        """Open and check the database. ``inspect_contract=False`` trusts it (the
        benchmark's DuckDB copy, whose driver cannot reflect tables)."""
        engine = engine or read_only_engine(url)
        try:
            report = check_contract(engine) if inspect_contract else ContractReport()
        except SQLAlchemyError as exc:
            # the address (user, host, port, database) goes to the server log, not to users
            log.warning("cannot open the reporting database %s: %s", describe_url(engine.url),
                        type(exc).__name__)
            raise DatabaseUnavailable(
                "无法连接报表库。请确认数据库已启动、地址和账号正确，或联系信息科"
                "（详细地址已记入服务器日志）。") from exc
        if not report.ok:
            raise ContractViolation(report.error_message())
        mark_bytewise_collation(engine)
        meta_rows = dict(fetch(engine, select(meta.c.key, meta.c.value)).itertuples(index=False))
        if not meta_rows.get("data_as_of"):
            raise ContractViolation("报表库 meta 表缺少 data_as_of（数据截至日）。请联系信息科（ETL）。")
        try:
            data_as_of = date.fromisoformat(str(meta_rows["data_as_of"])[:10])
        except ValueError as exc:
            raise ContractViolation("meta.data_as_of 不是 YYYY-MM-DD 格式的日期。") from exc
        return cls(engine=engine, tree=RegionTree.load(engine), data_as_of=data_as_of,
                   loaded_at=meta_rows.get("loaded_at"), source_note=meta_rows.get("source_note"),
                   campaign=_latest_campaign(engine), data_start=_data_start(engine, data_as_of),
                   contract=report, write_access=write_access(engine) if inspect_contract else ())

    @property
    def is_demo(self) -> bool:
        return (self.source_note or "").strip().lower() == "demo"

    def has(self, table: str) -> bool:
        """Whether an optional table (payment, crosscheck_hit) is present."""
        return table not in self.contract.missing_optional

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def period(self, key: str) -> Period:
        camp = (self.campaign.start, self.campaign.end) if self.campaign else None
        return make_period(key, self.data_as_of, camp, self.data_start)

    def periods(self) -> list[str]:
        """The periods one may choose, the default first: 专项治理以来 when there is a
        campaign that has begun (make_period decides), then the quarters from the data's
        start to the as-of day, newest first."""
        try:
            campaign_keys = [self.period(CAMPAIGN).key]
        except BadPeriod:
            campaign_keys = []
        return campaign_keys + quarters_between(self.data_start, self.data_as_of)

    def latest_quarter(self) -> str:
        return quarter_of(self.data_as_of)

    def scope(self, requested: str | None, allowed=None) -> Scope:
        return self._placing_matters(resolve_scope(self.tree, requested, allowed))

    def _placing_matters(self, scope: Scope) -> Scope:
        return replace(scope, matters_across=self.matters_across().touching(scope.prefixes))

    def matters_across(self) -> MattersAcross:
        """The petition matters whose petitions lie in more than one township: read at the
        first scope that needs them, once per load (a new load opens a new Database)."""
        with self._across_lock:
            if self._matters_across is None:
                self._matters_across = MattersAcross.load(self.engine)
            return self._matters_across

    def deployment(self) -> Scope:
        return self._placing_matters(deployment_scope(self.tree))


def current_load(db: Database) -> tuple[str, str | None]:
    """meta's data_as_of (as written, its first 10 characters) and loaded_at now: one
    small read, to notice a new load."""
    rows = dict(fetch(db.engine, select(meta.c.key, meta.c.value)
                      .where(meta.c.key.in_(["data_as_of", "loaded_at"]))).itertuples(index=False))
    return str(rows.get("data_as_of") or "")[:10], rows.get("loaded_at")


def _latest_campaign(engine: Engine) -> Campaign | None:
    rows = fetch(engine, select(campaign).order_by(campaign.c.start_date.desc(),
                                                     campaign.c.campaign_id.desc()).limit(1))
    if rows.empty:
        return None
    c = rows.iloc[0]
    phases = fetch(engine, select(campaign_phase.c.seq, campaign_phase.c.name,
                                  campaign_phase.c.start_date, campaign_phase.c.end_date)
                   .where(campaign_phase.c.campaign_id == c.campaign_id)
                   .order_by(campaign_phase.c.seq))
    return Campaign(str(c.campaign_id), c["name"], _as_date(c.start_date), _as_date(c.end_date),
                    tuple(Phase(int(p.seq), p.name, _as_date(p.start_date), _as_date(p.end_date))
                          for p in phases.itertuples(index=False)))


def _data_start(engine: Engine, data_as_of: date) -> date:
    """The first quarter worth offering: the earliest petition, clue, screening or item."""
    parts = [select(func.min(t.c[col]).label("d")) for t, col in (
        (petition, "received_date"), (clue, "received_date"),
        (screening, "screened_date"), (rectification, "found_date"))]
    firsts = [_as_date(d) for d in fetch(engine, union_all(*parts))["d"] if d is not None]
    # a dirty date far in the past must not offer decades of empty quarters
    firsts = [d for d in firsts if d.year >= data_as_of.year - 10]
    return min(firsts) if firsts else data_as_of


def _as_date(value) -> date:
    if isinstance(value, date):
        return value if type(value) is date else value.date()
    return date.fromisoformat(str(value)[:10])
