"""The ``guidebot`` command: serve, chat in the terminal, upgrade the database, check content."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from bot.logs import configure_logging, get_logger
from bot.reports.cli import add_report_commands
from bot.settings import Settings, SettingsError, load_settings
from dialogs.problems import ContentError

log = get_logger(__name__)
CHAT_LOG = "chat.log"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and of ``python -m bot``."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        overrides = {
            k: v
            for k, v in (
                ("host", getattr(args, "host", None)),
                ("port", getattr(args, "port", None)),
                ("demo", getattr(args, "demo", None) or None),
            )
            if v is not None
        }
        settings = load_settings(**overrides)
        log_file = getattr(args, "log_file", None)
        configure_logging(
            settings.log_level, settings.log_format, path=settings.data_dir / log_file if log_file else None
        )
        return args.run(settings, args) or 0
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    except ContentError as exc:
        print(f"Content problems ({len(exc.problems)}):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except Exception as exc:
        reason = unreachable_database(exc)
        if reason is None:
            raise
        print(
            f"The database could not be reached ({_shown_url(settings)}): {reason}. "
            "Check DATABASE_URL, and that the database server is running and accepts connections.",
            file=sys.stderr,
        )
        return 2


def unreachable_database(exc: BaseException) -> str | None:
    """Why the database server could not be connected to, if that is what ``exc`` says (else None).

    SQLAlchemy wraps the driver's error, which may wrap the socket's: the innermost one says why
    (it names the host and database, never the password).
    """
    import socket

    found, seen = False, exc
    reason = ""
    for _ in range(10):
        kind = type(seen)
        driver = (
            kind.__module__.startswith(("sqlalchemy", "asyncpg", "psycopg")) and kind.__name__ in CONNECTING
        )
        if driver or isinstance(seen, ConnectionError | TimeoutError | socket.gaierror):
            found = True
        reason = str(seen).splitlines()[0][:200] if str(seen) else kind.__name__
        inner = seen.__cause__ or getattr(seen, "orig", None)
        if not isinstance(inner, BaseException):
            break
        seen = inner
    return reason if found else None


# The errors a driver raises when it cannot connect (or log in), as opposed to a failing statement.
CONNECTING = frozenset({
    "OperationalError", "InterfaceError", "ConnectionDoesNotExistError", "CannotConnectNowError",
    "InvalidCatalogNameError", "InvalidAuthorizationSpecificationError", "InvalidPasswordError",
})  # fmt: skip


def _shown_url(settings: Settings) -> str:
    """The database URL with any password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(settings.resolved_database_url).render_as_string(hide_password=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="guidebot", description=__doc__)
    commands = parser.add_subparsers(title="commands")
    serve = commands.add_parser(
        "serve", help="run the bot server (web chat, and Slack/Teams when configured)"
    )
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 3978, or PORT)")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="fill an empty database with demo data; web chat users are managers",
    )
    serve.set_defaults(run=_serve)
    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--user", default=None, help="your web-chat user name (default: your login name)")
    # The terminal shows the conversation alone: the log goes to a file in the data folder.
    chat.set_defaults(run=_chat, log_file=CHAT_LOG)
    db = commands.add_parser("db", help="database commands").add_subparsers(title="db commands")
    db.add_parser("upgrade", help="apply database migrations").set_defaults(run=_db_upgrade)
    content = commands.add_parser("content", help="content commands").add_subparsers(title="content commands")
    check = content.add_parser("check", help="validate every content file")
    check.add_argument("--links", action="store_true", help="also ask every link over HTTP (needs a network)")
    check.set_defaults(run=_content_check)
    content.add_parser(
        "reload", help="make the running server reload content (or send it SIGHUP)"
    ).set_defaults(run=_content_reload)
    export = content.add_parser(
        "export", help="write the default content into a new folder, to edit and use as GUIDEBOT_CONTENT_DIR"
    )
    export.add_argument("dir", type=Path, help="a new or empty folder")
    export.set_defaults(run=_content_export)
    from bot.channels.teams.package import add_package_command

    add_package_command(commands)
    from bot.channels.slack.manifest import add_manifest_command

    add_manifest_command(commands)
    add_report_commands(commands)
    from bot.rights_cli import add_rights_commands

    add_rights_commands(commands)
    from bot.runtime.cli import add_outbox_commands

    add_outbox_commands(commands)
    from bot.retention import add_retention_command

    add_retention_command(commands)
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from aiohttp import web

    from bot.app import build_app

    app = build_app(settings)
    loop = event_loop()
    url = f"http://{settings.host}:{settings.port}/"
    log.info("server.starting", url=url, web_chat=settings.web_chat_enabled, loop=type(loop).__module__)
    problem = settings.public_url_problem()
    if problem:
        log.warning("public_url.unsuitable", public_url=settings.public_url or None)
        print(f"Warning: {problem}", file=sys.stderr)
    missing = settings.privacy_url_problem()
    if missing:
        log.warning("privacy_url.unset")
        print(f"Warning: {missing}", file=sys.stderr)
    if settings.web_chat_enabled:
        print(f"Guidebot is running. Open {url} to chat. Press Ctrl+C to stop.", file=sys.stderr)
    settle_memory()
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        print=None,
        shutdown_timeout=30,
        access_log=None,
        keepalive_timeout=settings.http_idle_seconds,
        loop=loop,
    )
    return 0


def event_loop() -> asyncio.AbstractEventLoop:
    """The server's event loop: uvloop's where it is installed (not on Windows), else asyncio's own.

    uvloop runs the same asyncio code on libuv; every turn is several HTTP exchanges, which it
    handles for less CPU.
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


# Collections of the youngest generation start after this many new objects (Python's default is 700).
YOUNG_GENERATION = 20_000


def settle_memory() -> None:
    """Let the garbage collector skip what the server loaded at start, and collect young objects less often.

    Modules, content and the libraries' own objects live as long as the server, yet each full
    collection walks all of them again. Frozen, they are left out; a turn's garbage is freed by
    reference counting, so a larger first threshold only delays collecting the few cycles.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION, *gc.get_threshold()[1:])


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from storage.db import Database
    from storage.migrate import upgrade

    async def run() -> str | None:
        db = Database(settings.resolved_database_url)
        try:
            return await upgrade(db)
        finally:
            await db.close()

    print(f"Database is at revision {asyncio.run(run())}.")
    return 0


def _content_check(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content import load_content

    content = load_content(settings)
    sections = len(content.guidance.sections) if content.guidance else 0
    print(
        f"Content is valid: {len(content.catalog.surveys)} surveys and {sections} guidance sections "
        f"in {settings.content_dir}."
    )
    if getattr(args, "links", False) and content.guidance is not None:
        from bot.link_check import check_content_links

        return check_content_links(settings.content_dir, content.guidance)
    return 0


def _content_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.default_content import ExportError, export_defaults

    try:
        written = export_defaults(args.dir)
    except ExportError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(
        f"Wrote the default content ({written} files) to {args.dir}. Edit it, check it with "
        f"GUIDEBOT_CONTENT_DIR={args.dir} guidebot content check, and set GUIDEBOT_CONTENT_DIR to use it."
    )
    return 0


def _content_reload(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content import load_content
    from bot.reload import signal_running_server

    load_content(settings)  # refuse early, with the problems listed, rather than have the server refuse
    try:
        pid = signal_running_server(settings.data_dir)
    except (ProcessLookupError, ValueError, PermissionError) as exc:
        print(f"Could not reach the server: {exc}", file=sys.stderr)
        return 1
    print(f"Asked the server (pid {pid}) to reload content; its log says whether it did.")
    return 0


def _chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.terminal import run_terminal_chat

    user = args.user or getpass.getuser() or f"user-{uuid.uuid4().hex[:6]}"
    return asyncio.run(run_terminal_chat(settings, user, log_path=settings.data_dir / CHAT_LOG))


if __name__ == "__main__":
    raise SystemExit(main())
