"""Structured logs: one line per event, JSON when not on a terminal. Never log raw text or ids."""

from __future__ import annotations

import logging
import sys

import structlog


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is now, so a replaced stream (test capture) is never written closed."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: str = "INFO", fmt: str = "auto") -> None:
    """Set up structlog (and the standard library's loggers) once, at start-up."""
    json_lines = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
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
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        # PrintLogger only calls write() and flush(); structlog's hint asks for a whole TextIO.
        logger_factory=structlog.PrintLoggerFactory(_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
    quiet_bad_requests()
    for noisy in ("aiohttp.access", "sqlalchemy.engine", "alembic", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


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
