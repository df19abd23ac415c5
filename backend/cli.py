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
    """Offline signature check of a D-Sure verify response (exit 0 valid, 1 invalid)."""
    from backend.dsure.offline import check_file, load_public_key

    if args.public_key:
        key_path = Path(args.public_key)
    else:
        from backend.settings import get_settings

        configured = os.environ.get("HOSHO_SIGNING_KEY_FILE")
        key_path = Path(configured) if configured else get_settings().data_dir / "signing-key.pem"
    try:
        public_key = load_public_key(key_path.read_bytes())
    except (OSError, ValueError) as exc:
        print(f"公開鍵を読み込めません: {key_path}（{exc}）。--public-key で PEM ファイルを指定してください。", file=sys.stderr)
        return 1
    result = check_file(Path(args.file), public_key)
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

    admin = commands.add_parser("create-admin", help="create or reset a staff login (password from stdin)")
    admin.add_argument("--login", required=True)
    admin.add_argument("--display-name", default=None)
    admin.add_argument("--reset-totp", action="store_true",
                       help="turn the login's two-factor off (a lost phone); it is set up again at the next login")
    admin.set_defaults(func=cmd_create_admin)

    commands.add_parser("demo", help="load demo data").set_defaults(func=cmd_demo)

    verify = commands.add_parser("verify-certificate", help="offline signature check of a certificate JSON (D-Sure verify response)")
    verify.add_argument("file", help="the JSON body of POST /api/dsure/verify")
    verify.add_argument("--public-key", help="PEM file of the surety's public key (default: the data dir's key)")
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
