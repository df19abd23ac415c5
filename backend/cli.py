"""The ``hosho`` command (DESIGN §6)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT = 3000


def _run(coro):
    return asyncio.run(coro)


async def _with_db(coro_factory):
    from backend.db import database_lifespan, migrate
    # The publication outbox listens to certificate events: a command that concludes, amends,
    # cancels or reissues (``hosho demo``) publishes to D-Sure as the app does. (Registered
    # here, above both: certificates never imports the publication.)
    from backend.publication import worker  # noqa: F401

    async with database_lifespan():
        await migrate()
        return await coro_factory()


def cmd_migrate(_: argparse.Namespace) -> int:
    _run(_with_db(lambda: asyncio.sleep(0)))
    print("マイグレーションを適用しました。")
    return 0


def serve(app: str, args: argparse.Namespace) -> None:
    """Serve an ASGI app with ``hosho api``'s server settings (bench/overhead.py serves its bare app so)."""
    import uvicorn

    uvicorn.run(
        app, host=args.host, port=args.port, workers=args.workers, loop=args.loop, http=args.http,
        access_log=args.access_log, log_level="info", server_header=False,
        # proxy_headers=False: uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1 and put
        # a client-chosen address in the socket's place. The API applies HOSHO_TRUSTED_PROXIES itself
        # (backend.lib.security.client_address). (`hosho run` serves with granian, which leaves the
        # socket address alone unless told otherwise.)
        proxy_headers=False,
    )


def cmd_api(args: argparse.Namespace) -> int:
    cmd_migrate(args)
    serve("backend.app:app", args)
    return 0


def add_server_flags(parser: argparse.ArgumentParser) -> None:
    """The server settings of ``hosho api`` (uvicorn). Measured costs: bench/RESULTS.md, "Per-request overhead"."""
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes (default 1; on PostgreSQL + HOSHO_REDIS_URL, one per core)")
    parser.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=False,
                        help="log a line per request (default off: ~15%% of a small request's time; "
                             "put the access log in the reverse proxy)")
    parser.add_argument("--http", choices=["httptools", "h11", "auto"], default="httptools",
                        help="HTTP/1.1 parser (default httptools, the C parser; h11 is pure Python)")
    parser.add_argument("--loop", choices=["uvloop", "asyncio", "auto"], default="uvloop",
                        help="event loop (default uvloop)")


DSURE_DEFAULT_DATA_DIR = "./data-dsure"
DSURE_DEFAULT_PORT = 8100


def _dsure_alone(args: argparse.Namespace) -> None:
    """D-Sure's own data dir and database for this process, set before any backend module reads settings."""
    os.environ["HOSHO_DSURE_ALONE"] = "1"
    os.environ["HOSHO_DATA_DIR"] = args.data_dir
    database_url = args.database_url or os.environ.get("HOSHO_DSURE_DATABASE_URL")
    if database_url:
        os.environ["HOSHO_DATABASE_URL"] = database_url
    else:
        os.environ.pop("HOSHO_DATABASE_URL", None)  # SQLite in D-Sure's data dir, never e-Net's database
    os.environ.pop("HOSHO_DATABASE_READ_URL", None)
    os.environ.pop("HOSHO_DSURE_URL", None)
    # The operator's name on its PDF signing identity and mails (not a surety's).
    os.environ["HOSHO_ISSUER_NAME"] = os.environ.get("HOSHO_DSURE_OPERATOR_NAME", "D-Sure 運営事務局")


def cmd_dsure(args: argparse.Namespace) -> int:
    """``hosho dsure``: serve D-Sure alone; ``hosho dsure add-issuer``: register a surety."""
    _dsure_alone(args)
    if args.dsure_command == "add-issuer":
        return _add_issuer(args)
    cmd_migrate(args)
    serve("backend.dsure.standalone:app", args)
    return 0


def _add_issuer(args: argparse.Namespace) -> int:
    from backend.dsure import registry

    try:
        pem = Path(args.public_key).read_text(encoding="utf-8")
        issuer = _run(_with_db(lambda: registry.add_issuer(args.code, args.name, pem)))
    except (OSError, ValueError) as exc:
        print(f"保証会社を登録できません: {exc}", file=sys.stderr)
        return 1
    keys = "、".join(f"{key.key_id}{'（現在）' if key.valid_until is None else ''}" for key in issuer.keys)
    print(f"保証会社 {issuer.code} {issuer.name} を登録しました。公開鍵: {keys}")
    return 0


def cmd_issuer_key(_: argparse.Namespace) -> int:
    """The issuer's public key (PEM), for ``hosho dsure add-issuer --public-key``."""
    from backend.domain import signing
    from backend.lib import keyring

    print(signing.public_key_pem(keyring.public_key()), end="")
    return 0


def _tool_path() -> str:
    """PATH with the project-local JavaScript runtime (bun for Reflex) first."""
    local_bin = PROJECT_ROOT / ".tools" / "node_modules" / ".bin"
    return f"{local_bin}{os.pathsep}{os.environ.get('PATH', '')}"


def cmd_run(args: argparse.Namespace) -> int:
    cmd_migrate(args)
    env = {**os.environ, "PATH": _tool_path(), "REFLEX_USE_SYSTEM_BUN": "1"}
    env.setdefault("HOSHO_PUBLIC_URL", f"http://localhost:{args.port}")
    # The UI reads the forwarding secret from the data dir: pass it resolved, as migrate used it.
    from backend.settings import get_settings

    env["HOSHO_DATA_DIR"] = str(get_settings().data_dir)  # absolute: reflex runs in the project root
    # The UI's state handlers call the API over HTTP on this same server (frontend/api.py).
    api_host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    env.setdefault("HOSHO_API_URL", f"http://{'[' + api_host + ']' if ':' in api_host else api_host}:{args.port}")
    reflex = shutil.which("reflex", path=str(Path(sys.executable).parent)) or "reflex"
    command = [
        reflex, "run", "--env", "prod", "--single-port",
        "--backend-host", args.host, "--backend-port", str(args.port), "--frontend-port", str(args.port),
    ]
    return subprocess.call(command, cwd=PROJECT_ROOT, env=env)


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("パスワード: ")
        if first != getpass.getpass("パスワード（確認）: "):
            raise SystemExit("パスワードが一致しません。")
        return first
    return sys.stdin.readline().rstrip("\n")


def cmd_create_admin(args: argparse.Namespace) -> int:
    from backend.accounts import totp
    from backend.accounts.service import create_admin

    password = _read_password()

    async def create() -> None:
        await create_admin(args.login, password, args.display_name)
        if args.reset_totp:
            await totp.reset(args.login)

    try:
        _run(_with_db(create))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"管理者 {args.login} を登録しました。")
    if args.reset_totp:
        print("二要素認証をリセットしました。次回のログインで設定し直してください。")
    return 0


def cmd_demo(_: argparse.Namespace) -> int:
    from backend.demo.seed import run_demo

    for line in _run(_with_db(run_demo)):
        print(line)
    return 0


def cmd_audit_verify(_: argparse.Namespace) -> int:
    from backend.audit.service import verify_chain

    report = _run(_with_db(verify_chain))
    if report.ok:
        print(f"監査ログのハッシュチェーンは正常です（{report.entries}件）。")
        return 0
    print(f"監査ログのハッシュチェーンが seq={report.first_broken_seq} で途切れています。", file=sys.stderr)
    return 1


def cmd_verify_certificate(args: argparse.Namespace) -> int:
    """Offline check of a D-Sure verify response: signatures and the status as of checked_at (exit 0 / 1)."""
    from backend.dsure.offline import check_file, load_keys

    if args.public_key:
        key_paths = [Path(path) for path in args.public_key]
    else:
        from backend.settings import get_settings

        configured = os.environ.get("HOSHO_SIGNING_KEY_FILE")
        data_dir = get_settings().data_dir
        key_paths = [Path(configured) if configured else data_dir / "signing-key.pem"]
        if (data_dir / "dsure-signing-key.pem").exists():
            key_paths.append(data_dir / "dsure-signing-key.pem")  # the embedded D-Sure's own key
    keys = {}
    for key_path in key_paths:
        try:
            keys.update(load_keys(key_path.read_bytes()))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"公開鍵を読み込めません: {key_path}（{exc}）。--public-key で PEM ファイル、"
                  "または /api/dsure/issuers・/api/dsure/public-key の JSON を指定してください。", file=sys.stderr)
            return 1
    result = check_file(Path(args.file), keys)
    print(result.message, file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hosho", description="Denshi Hoshō (電子保証)")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="migrate, then serve UI + API on one port")
    run.add_argument("--host", default="0.0.0.0")
    run.add_argument("--port", type=int, default=DEFAULT_PORT)
    run.set_defaults(func=cmd_run)

    api = commands.add_parser("api", help="migrate, then serve the API alone")
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=int, default=8000)
    add_server_flags(api)
    api.set_defaults(func=cmd_api)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    dsure = commands.add_parser("dsure", help="serve D-Sure alone (its own data dir and database)")
    dsure.add_argument("--host", default="127.0.0.1")
    dsure.add_argument("--port", type=int, default=DSURE_DEFAULT_PORT)
    dsure.add_argument("--data-dir", default=os.environ.get("HOSHO_DSURE_DATA_DIR", DSURE_DEFAULT_DATA_DIR),
                       help=f"D-Sure's data dir (default $HOSHO_DSURE_DATA_DIR or {DSURE_DEFAULT_DATA_DIR})")
    dsure.add_argument("--database-url", default=None,
                       help="D-Sure's database (default $HOSHO_DSURE_DATABASE_URL, else SQLite in its data dir)")
    add_server_flags(dsure)
    dsure_commands = dsure.add_subparsers(dest="dsure_command")
    add_issuer = dsure_commands.add_parser("add-issuer", help="register a surety (or a new key of one); no restart needed")
    add_issuer.add_argument("--code", required=True, help="the surety's code, e.g. 207")
    add_issuer.add_argument("--name", required=True, help="e.g. 西日本建設業保証株式会社")
    add_issuer.add_argument("--public-key", required=True, help="PEM file of its Ed25519 key (`hosho issuer-key`)")
    dsure.set_defaults(func=cmd_dsure)

    commands.add_parser("issuer-key", help="print this surety's public key (PEM) for D-Sure").set_defaults(func=cmd_issuer_key)

    admin = commands.add_parser("create-admin", help="create or reset a staff login (password from stdin)")
    admin.add_argument("--login", required=True)
    admin.add_argument("--display-name", default=None)
    admin.add_argument("--reset-totp", action="store_true",
                       help="turn the login's two-factor off (a lost phone); it is set up again at the next login")
    admin.set_defaults(func=cmd_create_admin)

    commands.add_parser("demo", help="load demo data").set_defaults(func=cmd_demo)

    verify = commands.add_parser("verify-certificate", help="offline signature check of a certificate JSON (D-Sure verify response)")
    verify.add_argument("file", help="the JSON body of POST /api/dsure/verify")
    verify.add_argument("--public-key", action="append",
                        help="a PEM file, or the JSON of GET /api/dsure/issuers or /api/dsure/public-key; "
                             "repeat for both (default: the data dir's keys)")
    verify.set_defaults(func=cmd_verify_certificate)

    audit = commands.add_parser("audit", help="audit log tools")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    audit_commands.add_parser("verify", help="check the hash chain").set_defaults(func=cmd_audit_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
