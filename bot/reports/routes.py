"""``GET /plan`` and ``GET /reports/images/{id}.png``: reports behind signed, expiring links.

Only managers and digital leads are given these links (by the ``plan`` command, or a channel
that shows charts by address), so the signature is the check; an expired or altered link gets 403.
"""

from __future__ import annotations

from aiohttp import web

from bot.logs import get_logger
from bot.reports import links
from bot.reports.insights import IMAGE_PATH, PLAN_PATH, Insights
from bot.reports.plan_render import to_html, to_markdown
from storage import schedules

log = get_logger(__name__)
INSIGHTS = web.AppKey("insights", Insights)
PRIVATE = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex",
    # The signed address must not leak to the guidance sites the plan links to.
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
HTML_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)


def add_report_routes(app: web.Application) -> None:
    """Mount the plan and chart routes (the app must hold ``INSIGHTS``)."""
    app.router.add_get(PLAN_PATH, plan_page)
    app.router.add_get(IMAGE_PATH + "{image_id}.png", chart_image)


def _expired() -> web.Response:
    return web.Response(
        status=403,
        text="This link has expired or is not valid. Ask the bot for a new one: type `plan`.",
        headers=PRIVATE,
    )


async def plan_page(request: web.Request) -> web.Response:
    """The whole plan as HTML (default) or Markdown (``format=md``)."""
    insights = request.app[INSIGHTS]
    params = links.verify(insights.link_key, PLAN_PATH, dict(request.query), now=insights.clock())
    if params is None:
        log.info("plan.link_refused")
        return _expired()
    try:
        period = insights.period(params.get("period", ""))
    except ValueError as exc:
        return web.Response(status=400, text=str(exc), headers=PRIVATE)
    if params.get("format") == "md":
        plan = await insights.plan(period, with_charts=False)
        return web.Response(
            text=to_markdown(plan), content_type="text/markdown", charset="utf-8", headers=PRIVATE
        )
    plan = await insights.plan(period)
    headers = {**PRIVATE, "Content-Security-Policy": HTML_POLICY}
    return web.Response(text=to_html(plan), content_type="text/html", charset="utf-8", headers=headers)


async def chart_image(request: web.Request) -> web.Response:
    """A kept chart, while its link is valid."""
    insights = request.app[INSIGHTS]
    path = request.path
    if links.verify(insights.link_key, path, dict(request.query), now=insights.clock()) is None:
        return _expired()
    image_id = request.match_info["image_id"]
    png = await insights.db.read(lambda conn: schedules.load_image(conn, image_id, now=insights.clock()))
    if png is None:
        return web.Response(status=404, text="This chart has expired.", headers=PRIVATE)
    return web.Response(body=png, content_type="image/png", headers=PRIVATE)
