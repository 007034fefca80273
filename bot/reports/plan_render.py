"""The improvement plan as Markdown (pastes cleanly into a document) and as HTML that prints on A4."""

from __future__ import annotations

import base64
from html import escape

from bot.reports.plan_document import Actions, Block, Bullets, ImprovementPlan, Paragraph, Quote, Table
from dialogs import emphasis
from dialogs.replies import Image

PRINT_CSS = """
body { font: 16px/1.5 Arial, Helvetica, sans-serif; color: #0b0c0c; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 2rem; margin-bottom: .25rem; } h2 { font-size: 1.4rem; margin-top: 2rem; border-top: 2px solid #b1b4b6; padding-top: .75rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; } caption { text-align: left; font-weight: bold; padding-bottom: .25rem; }
th, td { border-bottom: 1px solid #b1b4b6; text-align: left; padding: .35rem .5rem .35rem 0; vertical-align: top; }
blockquote { margin: .5rem 0 .5rem 1rem; padding-left: .75rem; border-left: 4px solid #b1b4b6; }
a { color: #1d70b8; } img { max-width: 100%; height: auto; } figure { margin: 1rem 0; }
a:focus-visible { outline: 3px solid transparent; color: #0b0c0c; background: #ffdd00; box-shadow: 0 -2px #ffdd00, 0 4px #0b0c0c; text-decoration: none; }
.meta { color: #505a5f; } .notes { font-size: .9rem; color: #505a5f; }
.notice { border: 4px solid #d4351c; padding: .75rem 1rem; margin: 1rem 0; }
@media print {
  @page { size: A4; margin: 18mm 16mm; }
  body { font-size: 11pt; max-width: none; margin: 0; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table, figure, blockquote, li { break-inside: avoid; page-break-inside: avoid; }
  a { color: #0b0c0c; } a[href^="http"]::after { content: " (" attr(href) ")"; font-size: 9pt; word-break: break-all; }
}
"""


def to_markdown(plan: ImprovementPlan) -> str:
    """The plan as Markdown: ATX headings, pipe tables, plain links; no HTML."""
    lines = [f"# {plan.title}", ""]
    if plan.notice:
        lines += [f"**{plan.notice}**", ""]
    lines += [f"{plan.covers}. Made {plan.generated}.", ""]
    for section in plan.sections:
        lines += [f"## {section.title}", ""]
        for block in section.blocks:
            lines += _markdown_block(block)
        if section.guidance_url:
            lines += [f"Guidance: [{section.guidance_title}]({section.guidance_url})", ""]
    for note in plan.notes:
        lines += [f"_{note}_", ""]
    return "\n".join(lines).rstrip() + "\n"


def _markdown_block(block: Block) -> list[str]:
    match block:
        case Paragraph():
            return [block.text, ""]
        case Bullets():
            return [*(f"- {item}" for item in block.items), ""]
        case Quote():
            return [f"> \u201c{block.text}\u201d", ""]
        case Table():
            return [
                f"**{_cell(block.caption)}**",
                "",
                "| " + " | ".join(_cell(h) for h in block.header) + " |",
                "|" + "|".join(" --- " for _ in block.header) + "|",
                *("| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows),
                "",
            ]
        case Actions():
            return [
                *(
                    f"{i}. **{a.title}**: {a.why}. Guidance: [{a.guidance_title}]({a.guidance_url})"
                    for i, a in enumerate(block.items, 1)
                ),
                "",
            ]
        case Image():
            return []
    raise TypeError(type(block).__name__)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_html(plan: ImprovementPlan) -> str:
    """The plan as a standalone, accessible HTML page with a print stylesheet for A4."""
    parts = [
        "<!doctype html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(plan.title)}</title>",
        f"<style>{PRINT_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{escape(plan.title)}</h1>",
    ]
    if plan.notice:
        parts.append(f'<p class="notice" role="note"><strong>{escape(plan.notice)}</strong></p>')
    parts += [
        f'<p class="meta">{escape(plan.covers)}. Made {escape(plan.generated)}.</p>',
    ]
    for section in plan.sections:
        parts.append(f'<section aria-labelledby="{section.id}">')
        parts.append(f'<h2 id="{section.id}">{escape(section.title)}</h2>')
        parts += [_html_block(block) for block in section.blocks]
        if section.guidance_url:
            parts.append(
                f'<p class="guidance">Guidance: <a href="{escape(section.guidance_url)}">{escape(section.guidance_title)}</a></p>'
            )
        parts.append("</section>")
    parts += [f'<p class="notes">{escape(note)}</p>' for note in plan.notes]
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _inline(text: str) -> str:
    """Neutral text as HTML: escaped, bold as ``strong`` and a command as ``code``."""
    tags = {"bold": "strong", "command": "code"}
    return "".join(
        f"<{tags[kind]}>{escape(words)}</{tags[kind]}>" if kind in tags else escape(words)
        for kind, words in emphasis.spans(text)
    )


def _html_block(block: Block) -> str:
    match block:
        case Paragraph():
            return f"<p>{_inline(block.text)}</p>"
        case Bullets():
            return "<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in block.items) + "</ul>"
        case Quote():
            return f"<blockquote><p>\u201c{escape(block.text)}\u201d</p></blockquote>"
        case Table():
            head = "".join(f'<th scope="col">{escape(h)}</th>' for h in block.header)
            rows = "".join(
                "<tr>"
                + f'<th scope="row">{escape(row[0])}</th>'
                + "".join(f"<td>{escape(cell)}</td>" for cell in row[1:])
                + "</tr>"
                for row in block.rows
            )
            return f"<table><caption>{escape(block.caption)}</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        case Actions():
            items = "".join(
                f"<li><strong>{escape(a.title)}</strong>: {escape(a.why)}. "
                f'Guidance: <a href="{escape(a.guidance_url)}">{escape(a.guidance_title)}</a></li>'
                for a in block.items
            )
            return f"<ol>{items}</ol>"
        case Image():
            data = base64.b64encode(block.png).decode()
            return (
                f'<figure><img src="data:image/png;base64,{data}" alt="{escape(block.alt_text)}">'
                f"<figcaption>{escape(block.title)}</figcaption></figure>"
            )
    raise TypeError(type(block).__name__)


def short_text(plan: ImprovementPlan, limit: int = 3) -> str:
    """The plan in a chat message: the problem statement and the first actions."""
    lines = [f"*{plan.title}*"]
    if plan.notice:
        lines.append(f"*{plan.notice}*")
    lines += [plan.covers + ".", "", "*Problem statement (draft):* " + plan.problem_statement]
    actions = plan.actions()[:limit]
    if actions:
        lines += ["", "*First actions:*"]
        lines += [f"{i}. {a.title} ({a.why})." for i, a in enumerate(actions, 1)]
    return "\n".join(lines)
