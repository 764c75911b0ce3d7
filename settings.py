"""Every setting of the dashboard, declared once with its default and meaning.

Values come from the environment (``OVERSIGHT_<NAME>``), else the default here. The
README documents each one; ``tests/test_docs.py`` fails when one is missing there.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DATA_DIR = ROOT / "data"
DEMO_DB_PATH = DATA_DIR / "demo.sqlite"
DEMO_USERS_PATH = ROOT / "config" / "demo-users.yaml"


@dataclass(frozen=True)
class Setting:
    name: str            # environment variable, e.g. OVERSIGHT_DB_URL
    default: object
    help: str            # one line, shown in the README table

    @property
    def value(self):
        raw = os.environ.get(self.name)
        if raw is None or raw == "":
            return self.default
        if isinstance(self.default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(self.default, int):
            return int(raw)
        if isinstance(self.default, float):
            return float(raw)
        return raw


SETTINGS: tuple[Setting, ...] = (
    Setting("OVERSIGHT_DB_URL", f"sqlite:///{DEMO_DB_PATH}",
            "报表库地址，任意 SQLAlchemy URL；同一报表库的多个副本可用逗号或空格分隔列出（读请求分散到各副本，"
            "某副本停止响应时自动改用其他副本）；默认为 data/ 下的演示库 (SQLite)"),
    Setting("OVERSIGHT_DATA_CHECK_S", 60,
            "每隔多少秒查看一次报表库 meta 表：数据截至日或装载时间变化（夜间装载完成）即重新打开报表库"),
    Setting("OVERSIGHT_WARM_CACHE", 1,
            "新数据装载后是否在后台预先计算各页首屏（1 是，0 否）；多进程部署时只由一个进程计算"),
    Setting("OVERSIGHT_QUERY_TIMEOUT_S", 30,
            "单条查询的时限（秒），超时即中止，防止拖垮报表库"),
    Setting("OVERSIGHT_QUERY_THREADS", 4,
            "一个页面的各条统计语句同时执行的线程数（每线程占一个数据库连接）；设为 1 则逐条执行"),
    Setting("OVERSIGHT_SQLITE_MMAP_MB", 1024,
            "SQLite 只读连接的 mmap 大小（MB），省级数据量下约快一倍"),
    Setting("OVERSIGHT_PG_WORK_MEM", "64MB",
            "PostgreSQL 只读会话的 work_mem：省级数据量下哈希连接不落盘"),
    Setting("OVERSIGHT_PG_RANDOM_PAGE_COST", 1.1,
            "PostgreSQL 只读会话的 random_page_cost：报表库在 SSD 或内存中时按索引查找更快"),
    Setting("OVERSIGHT_PG_PARALLEL_WORKERS", 0,
            "PostgreSQL 只读会话的 max_parallel_workers_per_gather：页面各语句已按核并行，语句内再并行只会争用 CPU"),
    Setting("OVERSIGHT_AUTH_FILE", str(DEMO_USERS_PATH.relative_to(ROOT)),
            "用户文件 (YAML)：账号、bcrypt 密码、角色、可查看区划；应用只读不写。默认为演示账号文件"),
    Setting("OVERSIGHT_COOKIE_KEY", "",
            "登录 Cookie 签名密钥（至少 32 字节随机串）；为空时取用户文件中的 cookie.key，都没有则拒绝启动"),
    Setting("OVERSIGHT_COOKIE_EXPIRY_DAYS", 0.5,
            "登录 Cookie 有效期（天）；退出登录即在服务端吊销该 Cookie"),
    Setting("OVERSIGHT_LOGIN_MAX_ATTEMPTS", 5,
            "同一用户名连续登录失败次数上限（不论该账号是否存在），达到后锁定"),
    Setting("OVERSIGHT_LOGIN_LOCK_MINUTES", 15.0,
            "用户名因登录失败被锁定的分钟数，自最后一次失败起算，期满自动解锁"),
    Setting("OVERSIGHT_STATE_DB", ".local/state.sqlite",
            "各应用进程共享的登录状态（失败次数、已吊销的 Cookie）所在的 SQLite 文件（WAL 模式），"
            "不在报表库中；多进程部署时须为同一文件"),
    Setting("OVERSIGHT_ACCESS_LOG", "data/access.log",
            "个人信息查看日志（JSON Lines，每次展示一行，不含个人信息本身）；相对路径以项目目录为准"),
    Setting("OVERSIGHT_BOUNDARIES", "data/geo",
            "地图边界 GeoJSON 文件或文件夹，多个用分号分隔；要素属性 code 为 6、9 或 12 位区划代码，"
            "同一代码以后列者为准。默认为 data/ 下的演示边界（镇街为示意边界）；无边界的地区画为点"),
    Setting("OVERSIGHT_CACHE_TTL_S", 3600,
            "清单（含个人信息）在各进程内存中的缓存时长（秒）；统计结果（不含个人信息）按数据批次缓存在磁盘上，"
            "各进程共享，新数据装载后自动失效"),
    Setting("OVERSIGHT_REPEAT_THRESHOLD", 3,
            "重复信访事项的次数门槛：同一事项信访件数达到此数即为重复信访（含）"),
    Setting("OVERSIGHT_PAYMENT_GRACE_DAYS", 0,
            "一卡通发放宽限天数：发放日期晚于所属月份最后一天加此天数，计为发放不及时"),
    Setting("OVERSIGHT_WARN_CLUE_RATE_AMBER", 90.0, "线索办结率低于此值（%）黄色预警"),
    Setting("OVERSIGHT_WARN_CLUE_RATE_RED", 70.0, "线索办结率低于此值（%）红色预警"),
    Setting("OVERSIGHT_WARN_RECT_LAG_RED", 20.0,
            "整改销号率落后时间进度超过此值（百分点）红色预警；落后即黄色"),
    Setting("OVERSIGHT_WARN_REPEAT_OPEN_DAYS", 60,
            "未化解重复信访事项办理超过此天数即红色预警"),
    Setting("OVERSIGHT_WARN_WAITING_DAYS", 30,
            "漏保对象待纳入超过此天数计入“超30天未纳入”，大于零即黄色预警"),
    Setting("OVERSIGHT_INDEX_WEIGHTS", "1,1,1,1",
            "乡镇问题指数四项权重：漏保率,新增重复信访事项(每万人),逾期未办结线索,逾期未整改"),
    Setting("OVERSIGHT_TEST_PG_URL", "",
            "测试用 PostgreSQL 地址（仅测试）；为空时跳过 PostgreSQL 测试（CI 中不允许）"),
    Setting("OVERSIGHT_TEST_MYSQL_URL", "",
            "测试用 MariaDB/MySQL 地址（仅测试）；为空时跳过 MariaDB 测试（CI 中不允许）"),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str):
    """The current value of one setting (environment first, then the default)."""
    return _BY_NAME[name].value


def index_weights() -> tuple[float, float, float, float]:
    parts = [float(x) for x in str(get("OVERSIGHT_INDEX_WEIGHTS")).split(",")]
    if len(parts) != 4 or any(w < 0 for w in parts) or sum(parts) == 0:
        raise ValueError("OVERSIGHT_INDEX_WEIGHTS 须为四个非负数，用逗号分隔，且不全为零")
    return tuple(parts)  # type: ignore[return-value]


def path(name: str) -> Path:
    """A path setting; a relative path is taken from the project directory."""
    value = Path(str(get(name))).expanduser()
    return value if value.is_absolute() else ROOT / value
