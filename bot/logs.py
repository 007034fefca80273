"""Structured logs: one line per event, JSON when not on a terminal. Never log raw text or ids."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, TextIO

import structlog


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is now, so a replaced stream (test capture) is never written closed."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


# Loggers kept at WARNING whatever the level: SQLAlchemy's INFO lines carry statements' parameters
# (what people typed), aiohttp's access lines carry request paths (signed links).
QUIET = ("aiohttp.access", "sqlalchemy.engine", "alembic")


class _OurHandler(logging.StreamHandler):
    """The one handler configure_logging installs on the root logger (replaced when called again)."""


def configure_logging(level: str = "INFO", fmt: str = "auto", *, path: Path | None = None) -> None:
    """Set up structlog and the standard library's loggers once, at start-up.

    Every record, structlog's and every library's, is written at ``level`` or above: the level is
    set on the handler as well as the root logger, because a library may set its own logger lower
    when it is imported (bm25s sets DEBUG). With ``path`` the lines go to that file (JSON, one a
    line) instead of standard error, so a terminal conversation shows the conversation alone.
    """
    threshold = logging.getLevelName(level.upper())
    stream: Any = _CurrentStderr()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        stream = _log_file(path)
    json_lines = fmt == "json" or (fmt == "auto" and (path is not None or not sys.stderr.isatty()))
    renderer = (
        structlog.processors.JSONRenderer() if json_lines else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=True,
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(old)
    handler = _OurHandler(stream)
    handler.setLevel(threshold)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(threshold)
    quiet_bad_requests()
    for noisy in QUIET:
        logging.getLogger(noisy).setLevel(max(threshold, logging.WARNING))


_files: dict[Path, TextIO] = {}


def _log_file(path: Path) -> TextIO:
    """The log file, opened once for appending and kept open for the process's life."""
    resolved = path.resolve()
    if resolved not in _files:
        _files[resolved] = resolved.open("a", encoding="utf-8", buffering=1)
    return _files[resolved]


class ShortBadRequests(logging.Filter):
    """A malformed request (a request line or header too long, bad HTTP) is one short warning line.

    aiohttp logs each one as an ERROR with a full traceback, so anyone could fill the log by
    sending garbage; the client already got its 400.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and _bad_http(exc):
            record.msg, record.args = "bad request refused: %s", (type(exc).__name__,)
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def _bad_http(exc: BaseException) -> bool:
    from aiohttp.http_exceptions import HttpProcessingError
    from aiohttp.web_protocol import RequestPayloadError

    return isinstance(exc, HttpProcessingError | RequestPayloadError)


def quiet_bad_requests() -> None:
    """Install ``ShortBadRequests`` on aiohttp's server logger (once)."""
    server = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, ShortBadRequests) for f in server.filters):
        server.addFilter(ShortBadRequests())


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structured logger for one module."""
    return structlog.get_logger(name)


def failure(exc: BaseException) -> dict[str, str]:
    """What a log line may say about an exception: its type and where it was raised, never its message.

    Messages can carry what a user typed or a statement's parameters; the innermost frame's file
    and line are enough to find the fault.
    """
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 2)[-1]}:{tb.tb_lineno}" if tb is not None else "?"
    return {"error": type(exc).__name__, "at": where}
