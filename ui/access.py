"""Who may see what (views.md, Access): the roles, the user file, and each user's regions.

The user file is YAML we read ourselves and hand to streamlit-authenticator as a dict, so
the file is never rewritten (the library would write failed-attempt counters into it).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

import settings

ROLE_LABEL = {"leader": "领导", "supervisor": "督导组", "commission": "纪委监委", "district": "区级用户"}
NAMES_MASKED = frozenset({"leader"})       # names shown as 张*丰; everyone else sees them whole
MIN_COOKIE_KEY_BYTES = 32
# drawn between a sign-in and the rerun the cookie component's answer starts (a browser
# test waits past it: the page is not there yet)
ENTERING = "登录成功，正在进入……"


class AccessConfigError(RuntimeError):
    """The user file or the cookie key is unusable; the message is for the administrator."""


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: str
    regions: tuple[str, ...] | None        # None: every region

    @property
    def masks_names(self) -> bool:
        return self.role in NAMES_MASKED

    @property
    def role_label(self) -> str:
        return ROLE_LABEL[self.role]


@dataclass(frozen=True)
class UserFile:
    credentials: dict                      # {'usernames': {...}} as streamlit-authenticator wants it
    cookie_name: str
    cookie_key: str


def load_user_file(path: Path | None = None) -> UserFile:
    """Read and check the user file; the cookie key from ``OVERSIGHT_COOKIE_KEY`` or the
    file's ``cookie.key``. Raises AccessConfigError with a Chinese message."""
    path = path or settings.path("OVERSIGHT_AUTH_FILE")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise AccessConfigError(f"找不到用户文件 {path}。请设置 OVERSIGHT_AUTH_FILE 指向用户文件（YAML）。") from None
    except (OSError, yaml.YAMLError) as exc:
        raise AccessConfigError(f"用户文件 {path} 无法读取或不是有效的 YAML：{type(exc).__name__}。") from None
    users = ((raw.get("credentials") or {}).get("usernames")) or {}
    if not isinstance(users, dict) or not users:
        raise AccessConfigError(f"用户文件 {path} 中没有任何账号（credentials.usernames）。")
    problems = [p for name, entry in users.items() for p in _entry_problems(str(name), entry)]
    if problems:
        raise AccessConfigError(f"用户文件 {path} 有误：" + "；".join(problems) + "。")
    cookie = raw.get("cookie") or {}
    key = str(settings.get("OVERSIGHT_COOKIE_KEY") or cookie.get("key") or "")
    if len(key.encode("utf-8")) < MIN_COOKIE_KEY_BYTES:
        raise AccessConfigError(
            "未配置登录 Cookie 签名密钥，或密钥短于 32 字节，看板拒绝启动。请设置环境变量 "
            "OVERSIGHT_COOKIE_KEY 为至少 32 字节的随机串（例如 python -c \"import secrets; "
            "print(secrets.token_urlsafe(48))\" 的输出），或写入用户文件的 cookie.key。演示环境用 make run 启动即可。")
    # usernames are matched in lower case by the library
    credentials = {"usernames": {str(k).lower(): dict(v) for k, v in users.items()}}
    return UserFile(credentials, str(cookie.get("name") or "oversight_auth"), key)


def _entry_problems(username: str, entry) -> list[str]:
    if not isinstance(entry, dict):
        return [f"账号 {username} 的配置不是键值表"]
    problems = []
    if not str(entry.get("password") or "").startswith("$2"):
        problems.append(f"账号 {username} 的 password 不是 bcrypt 散列（用 make hash-password 生成）")
    roles = entry.get("roles") or []
    known = [r for r in roles if r in ROLE_LABEL] if isinstance(roles, list) else []
    if len(set(known)) != 1:
        problems.append(f"账号 {username} 的 roles 须恰好是 leader、supervisor、commission、district 之一")
    elif known[0] == "district" and not entry.get("regions"):
        problems.append(f"区级账号 {username} 须填写 regions（可查看的区划代码）")
    regions = entry.get("regions")
    if regions is not None and not (isinstance(regions, list) and all(str(r).isdigit() for r in regions)):
        problems.append(f"账号 {username} 的 regions 须为区划代码列表，如 ['350203']")
    return problems


def user_from(credentials: dict, username: str) -> User | None:
    """The signed-in user, from the file's entry (None if the account has gone)."""
    entry = credentials["usernames"].get((username or "").lower())
    if entry is None:
        return None
    role = next(r for r in entry["roles"] if r in ROLE_LABEL)
    regions = entry.get("regions")
    return User(username.lower(), str(entry.get("name") or username), role,
                tuple(str(r) for r in regions) if regions else None)
