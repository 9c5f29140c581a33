"""No template or view switches off HTML escaping: a static check of templates/ and tracker/.

Every `|safe`, `Markup(`, `markupsafe`, `{% autoescape false %}` and similar is listed; only
the allow-list below may have any, each with its reason. Today it is empty.
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import nodes

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
TRACKER = ROOT / "tracker"

# (relative path, the matched text) -> why it is safe. Nothing is allowed today.
ALLOWED: dict[tuple[str, str], str] = {}

TEMPLATE_PATTERNS = {
    "safe filter": re.compile(r"\|\s*safe\b"),
    "autoescape false": re.compile(r"\{%-?\s*autoescape\s+(false|False|0|none|None)\b"),
    "Markup in a template": re.compile(r"\bMarkup\b"),
    "forceescape off / raw html helper": re.compile(r"\|\s*(xmlattr_raw|unescape)\b"),
}
PYTHON_PATTERNS = {
    "Markup(": re.compile(r"\bMarkup\s*\("),
    "markupsafe import": re.compile(r"\bmarkupsafe\b"),
    "jinja2 Markup import": re.compile(r"from\s+(jinja2|flask)\s+import\s+[^\n]*\bMarkup\b"),
    "__html__ method": re.compile(r"def\s+__html__\s*\("),
    "render_template_string": re.compile(r"\brender_template_string\b"),
    "autoescape switched off": re.compile(r"autoescape\s*=\s*(False|None|0)\b"),
    "jinja Environment": re.compile(r"\bjinja2\.Environment\s*\(|\bEnvironment\s*\("),
}


def _occurrences(root: Path, glob: str, patterns: dict[str, re.Pattern]) -> list[tuple]:
    found = []
    for path in sorted(p for p in root.rglob(glob) if p.is_file()):
        text = path.read_text(encoding="utf-8")
        for label, pattern in patterns.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append((str(path.relative_to(ROOT)), match.group(0), label, line))
    return found


def _not_allowed(found: list[tuple]) -> list[tuple]:
    return [hit for hit in found if (hit[0], hit[1]) not in ALLOWED]


def test_templates_never_mark_data_safe_or_turn_escaping_off():
    found = _occurrences(TEMPLATES, "*", TEMPLATE_PATTERNS)
    assert _not_allowed(found) == [], "unescaped output in a template: " + repr(found)


def test_python_code_never_builds_markup_by_hand():
    found = _occurrences(TRACKER, "*.py", PYTHON_PATTERNS)
    assert _not_allowed(found) == [], "hand-made Markup or unescaped rendering: " + repr(found)


def test_the_allow_list_has_no_stale_entries():
    found = {(hit[0], hit[1]) for hit in _occurrences(TEMPLATES, "*", TEMPLATE_PATTERNS)}
    found |= {(hit[0], hit[1]) for hit in _occurrences(TRACKER, "*.py", PYTHON_PATTERNS)}
    assert set(ALLOWED) <= found, "remove allow-list entries that no longer occur"


# The plain-text part of an e-mail (text/plain) is not HTML: escaping it would show
# "&amp;" to the reader. Only these, under mail/, may be rendered unescaped; each has an
# escaped .html twin for the HTML part, and no page renders them.
TEXT_MAIL_TEMPLATE = re.compile(r"mail/_?[a-z_]+\.txt")


def test_every_template_is_autoescaped(app):
    """Autoescaping depends on the file name: every template must be one it escapes."""
    templates = sorted(p for p in TEMPLATES.rglob("*") if p.is_file())
    assert templates
    for path in templates:
        name = str(path.relative_to(TEMPLATES))
        if TEXT_MAIL_TEMPLATE.fullmatch(name):
            assert (path.with_suffix(".html")).exists(), f"{name} has no HTML twin"
            continue
        assert app.select_jinja_autoescape(name), f"{name} is not autoescaped"


def test_text_mail_templates_are_only_rendered_for_mail():
    """The unescaped text templates are named in one place: the mail renderer."""
    loads = re.compile(
        r"\b(get_template|select_template|render_template|render_block)\s*\([^)]*\.txt\b"
    )
    users = [hit for hit in _occurrences(TRACKER, "*.py", {"txt template": loads})]
    assert users, "the mail renderer no longer loads text templates: update this test"
    assert {hit[0] for hit in users} <= {"tracker/mail/outbox.py"}, users


def test_no_template_parses_to_an_escaping_switch(app):
    """The same, by the template's syntax tree (catches spacing the patterns might miss)."""
    env = app.jinja_env
    for path in sorted(TEMPLATES.rglob("*.html")):
        tree = env.parse(path.read_text(encoding="utf-8"))
        for node in tree.find_all((nodes.Filter, nodes.ScopedEvalContextModifier,
                                   nodes.EvalContextModifier)):
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if isinstance(node, nodes.Filter):
                assert node.name != "safe", f"|safe at {where}"
            else:
                for keyword in node.options:
                    if keyword.key == "autoescape":
                        value = keyword.value
                        assert isinstance(value, nodes.Const) and value.value, (
                            f"autoescape switched off at {where}"
                        )


def test_registered_filters_return_plain_strings(app):
    """Our own filters must not hand back Markup (that would skip escaping)."""
    from markupsafe import Markup

    from tracker.web import filters

    tainted = "<script>alert(1)</script>"
    for name in ("requester_status", "staff_stage", "sla_label"):
        func = getattr(filters, name)
        try:
            result = func(tainted)
        except (KeyError, ValueError):
            continue
        assert not isinstance(result, Markup), name
