"""Whether the app's database account can write, and the SQL that makes one that cannot.

The app's sessions are read-only by setting (queries.db), but a setting is the session's
own: on PostgreSQL ``SET TRANSACTION READ WRITE`` and on MariaDB ``SET SESSION TRANSACTION
READ WRITE`` undo it. What holds is an account with SELECT on the contract's tables and
nothing else: ``make ddl`` prints the statements that create one, and at start the app
asks the database what its own account may do, and says so when it may write.
"""
from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.engine import Engine

from queries.schema import metadata

log = logging.getLogger(__name__)

READER = "oversight_reader"
PASSWORD_PLACEHOLDER = "请替换为强密码"
# what an account must not hold on the reporting database
PG_TABLE_WRITES = "INSERT, UPDATE, DELETE, TRUNCATE"
MYSQL_WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "INDEX",
                "CREATE TEMPORARY TABLES", "CREATE VIEW", "TRIGGER", "FILE", "SUPER", "ALL PRIVILEGES")


def contract_tables() -> list[str]:
    return list(metadata.tables)


def reader_sql(dialect: str, database: str = "<报表库名>", user: str = READER) -> str:
    """The statements that create a SELECT-only account for ``database`` (run by its owner
    or an administrator; replace the password)."""
    tables = contract_tables()
    if dialect == "postgresql":
        lines = ["-- 只读账号（PostgreSQL）：由报表库所有者或管理员执行，执行前请替换密码",
                 f"CREATE ROLE {user} LOGIN PASSWORD '{PASSWORD_PLACEHOLDER}';",
                 f"ALTER ROLE {user} SET default_transaction_read_only = on;",
                 f"GRANT CONNECT ON DATABASE {database} TO {user};",
                 f"GRANT USAGE ON SCHEMA public TO {user};"]
        lines += [f"GRANT SELECT ON TABLE {t} TO {user};" for t in tables]
        lines += ["-- 可选：不许任何未明确授权的账号建临时表（会影响同库其他账号，请与 ETL 商定）",
                  f"-- REVOKE TEMPORARY ON DATABASE {database} FROM PUBLIC;"]
        return "\n".join(lines) + "\n"
    if dialect in ("mysql", "mariadb"):
        lines = ["-- 只读账号（MySQL / MariaDB）：由管理员执行，执行前请替换密码；'%' 可改为应用服务器地址",
                 f"CREATE USER '{user}'@'%' IDENTIFIED BY '{PASSWORD_PLACEHOLDER}';"]
        lines += [f"GRANT SELECT ON `{database}`.`{t}` TO '{user}'@'%';" for t in tables]
        return "\n".join(lines) + "\n"
    raise ValueError(f"no accounts on {dialect}: SQLite is read through its file (queries.sqlite_guard)")


def write_access(engine: Engine) -> tuple[str, ...]:
    """What the engine's account may write on the reporting database, in Chinese (e.g.
    ``recipient 表可写``); empty when it may only read. SQLite: empty (every connection of
    the app refuses writes, queries.sqlite_guard). Unknown (the check itself failed):
    one line saying so."""
    dialect = engine.dialect.name
    try:
        with engine.connect() as conn:
            if dialect == "postgresql":
                return _postgresql(conn)
            if dialect in ("mysql", "mariadb"):
                return _mysql(conn)
    except Exception as exc:           # noqa: BLE001 - a check, never a reason to stop
        log.warning("could not check the account's privileges: %s", type(exc).__name__)
        return ("无法查询账号权限，未能确认为只读",)
    return ()


def _postgresql(conn) -> tuple[str, ...]:
    found = []
    if conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar():
        found.append("超级用户（可写任何表）")
    writable = [table for table in contract_tables() if conn.execute(
        text("SELECT CASE WHEN to_regclass(:t) IS NULL THEN false "
             "ELSE has_table_privilege(to_regclass(:t), :p) END"),
        {"t": table, "p": PG_TABLE_WRITES}).scalar()]
    if writable:
        found.append(f"全部 {len(writable)} 张数据表可写" if len(writable) == len(contract_tables())
                     else f"{'、'.join(writable)} 表可写")
    if conn.execute(text("SELECT has_schema_privilege(current_schema(), 'CREATE')")).scalar():
        found.append("可在模式中建表")
    return tuple(found)


def _mysql(conn) -> tuple[str, ...]:
    grantee = ("CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', "
               "SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')")
    rows = conn.execute(text(
        f"SELECT PRIVILEGE_TYPE, '*' FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = {grantee} "
        f"UNION SELECT PRIVILEGE_TYPE, '*' FROM information_schema.SCHEMA_PRIVILEGES "
        f"WHERE GRANTEE = {grantee} AND TABLE_SCHEMA = DATABASE() "
        f"UNION SELECT PRIVILEGE_TYPE, TABLE_NAME FROM information_schema.TABLE_PRIVILEGES "
        f"WHERE GRANTEE = {grantee} AND TABLE_SCHEMA = DATABASE()")).all()
    kinds = sorted({kind for kind, _where in rows if kind.upper() in MYSQL_WRITES})
    return tuple(f"{kind} 权限" for kind in kinds)


def warning_text(found: tuple[str, ...], *, for_log: bool = False) -> str:
    """The warning, in Chinese: for 数据说明, or for the server log (which also names the
    setting to change)."""
    setting = "（设置 OVERSIGHT_DB_URL）" if for_log else ""
    return (f"报表库账号不是只读账号（{'；'.join(found)}）。看板只读取数据，但数据库没有阻止它写入："
            f"请信息科用下列脚本（make ddl 亦可打印）建立只读账号 {READER}，并让看板改用该账号连接报表库{setting}。")
