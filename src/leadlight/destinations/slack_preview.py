"""A Slack message's blocks as a standalone HTML page that looks like Slack: for docs, previews and screenshots.

Covers what ``slack.blocks_for`` produces: header, section text and fields,
buttons, context; mrkdwn bold, italics, quotes, bullets, links and member
mentions (shown by name when ``names`` maps the member id).
"""

from __future__ import annotations

import html
import re
from typing import Any, Mapping

_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]+)&gt;")
_LINK = re.compile(r"&lt;((?:https?://|mailto:)[^|&]+)\|([^&]+)&gt;")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")

STYLE = """
body { margin: 0; background: #fff; font: 15px/1.47 -apple-system, "Segoe UI", "Helvetica Neue", Lato, Arial,
       sans-serif; color: #1d1c1d; }
.message { display: flex; gap: 10px; padding: 14px 20px 16px; max-width: 720px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #f2b33d; color: #fff; font-weight: 700;
          display: flex; align-items: center; justify-content: center; flex: none; font-size: 18px; }
.who { font-weight: 900; } .app { font-size: 10px; background: #e8e8e8; color: #616061; border-radius: 2px;
      padding: 1px 3px; margin-left: 4px; vertical-align: 2px; font-weight: 700; }
.time { color: #616061; font-size: 12px; margin-left: 6px; }
.header { font-size: 18px; font-weight: 900; margin: 4px 0 6px; }
.section { margin: 6px 0; white-space: pre-wrap; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; margin: 8px 0; white-space: pre-wrap; }
blockquote { margin: 2px 0; padding-left: 12px; border-left: 4px solid #dddddd; }
.mention { background: #e8f5fa; color: #1264a3; border-radius: 3px; padding: 0 2px; }
a { color: #1264a3; text-decoration: none; }
.actions { margin: 10px 0 6px; } .button { display: inline-block; border-radius: 4px; padding: 4px 12px;
  font-weight: 700; font-size: 14px; border: 1px solid #ccc; color: #1d1c1d; }
.button.primary { background: #007a5a; border-color: #007a5a; color: #fff; }
.context { color: #616061; font-size: 12px; margin-top: 6px; }
"""


def mrkdwn(text: str, names: Mapping[str, str]) -> str:
    """Slack mrkdwn (already &-escaped by its writer) as HTML."""
    out = html.escape(html.unescape(text), quote=False)
    out = _MENTION.sub(lambda m: f'<span class="mention">@{html.escape(names.get(m[1], m[1]))}</span>', out)
    out = _LINK.sub(lambda m: f'<a href="{m[1]}">{m[2]}</a>', out)
    out = _BOLD.sub(r"<b>\1</b>", out)
    out = _ITALIC.sub(r"<i>\1</i>", out)
    lines, quoted = [], []
    for line in out.split("\n"):
        if line.startswith("&gt; "):
            quoted.append(line[5:])
            continue
        if quoted:
            lines.append("<blockquote>" + "<br>".join(quoted) + "</blockquote>")
            quoted = []
        lines.append(line)
    if quoted:
        lines.append("<blockquote>" + "<br>".join(quoted) + "</blockquote>")
    return "\n".join(lines).replace("</blockquote>\n", "</blockquote>")


def render_html(blocks: list[dict[str, Any]], *, names: Mapping[str, str] | None = None, app: str = "Leadlight",
                time: str = "9:41 AM") -> str:
    """A page showing the message as Slack would."""
    names = names or {}
    parts = []
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            parts.append(f'<div class="header">{html.escape(block["text"]["text"])}</div>')
        elif kind == "section":
            if "text" in block:
                parts.append(f'<div class="section">{mrkdwn(block["text"]["text"], names)}</div>')
            if block.get("fields"):
                cells = "".join(f"<div>{mrkdwn(f['text'], names)}</div>" for f in block["fields"])
                parts.append(f'<div class="fields">{cells}</div>')
        elif kind == "actions":
            buttons = "".join(
                f'<a class="button {e.get("style", "")}" href="{html.escape(e.get("url", "#"))}">'
                f'{html.escape(e["text"]["text"])}</a> ' for e in block["elements"])
            parts.append(f'<div class="actions">{buttons}</div>')
        elif kind == "context":
            parts.append('<div class="context">' + " ".join(mrkdwn(e["text"], names) for e in block["elements"])
                         + "</div>")
    return (f"<!doctype html><html><head><meta charset='utf-8'><style>{STYLE}</style></head><body>"
            f"<div class='message'><div class='avatar'>L</div><div><span class='who'>{html.escape(app)}</span>"
            f"<span class='app'>APP</span><span class='time'>{html.escape(time)}</span>{''.join(parts)}"
            "</div></div></body></html>")
