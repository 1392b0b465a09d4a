"""The house rules a reader can check without running anything (STYLE section 2, docs/ARCHITECTURE.md "Templates").

- No template line is over 120 characters (ruff holds Python to the same width).
- A Python module of the apps is at most 400 lines, or says at its top why it is longer, in a line starting
  "Longer than 400 lines because".
- A partial (a template that is included, rendered by an inclusion tag, or extends nothing) is named with a leading
  `_`; a page extends a layout.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
APPS = (
    "capsync",
    "accounts",
    "contacts",
    "opportunities",
    "invoices",
    "notifications",
    "dashboard",
    "demo",
    "web",
    "integrations",
    "xero_sandbox",
)

LINE_MAX = 120
MODULE_MAX = 400
MODULE_REASON = "Longer than 400 lines because"
# Layouts: templates that pages extend, not partials.
LAYOUTS = {"base.html", "allauth/layouts/base.html"}

INCLUDE = re.compile(r"""{%\s*include\s+["']([^"']+)["']""")
INCLUSION_TAG = re.compile(r"""inclusion_tag\(\s*["']([^"']+)["']""")


def _templates() -> list[str]:
    return sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html"))


def _modules() -> list[str]:
    return sorted(
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _is_partial_name(name: str) -> bool:
    return Path(name).name.startswith("_")


def test_the_rules_have_templates_and_modules_to_check():
    assert len(_templates()) > 20
    assert "integrations/xero/sync/run.py" in _modules()


@pytest.mark.parametrize("name", _templates())
def test_no_template_line_is_over_120_characters(name):
    long_lines = [number for number, line in enumerate(_lines(TEMPLATES / name), start=1) if len(line) > LINE_MAX]

    assert not long_lines, f"templates/{name}: lines {long_lines} are over {LINE_MAX} characters; split them"


@pytest.mark.parametrize("module", _modules())
def test_a_module_over_400_lines_says_why_at_its_top(module):
    lines = _lines(ROOT / module)

    if len(lines) > MODULE_MAX:
        assert any(line.lstrip(' "').startswith(MODULE_REASON) for line in lines[:15]), (
            f'{module} has {len(lines)} lines: split it, or say at its top why not ("{MODULE_REASON} ...")'
        )


@pytest.mark.parametrize("name", [name for name in _templates() if name not in LAYOUTS])
def test_a_template_that_extends_nothing_is_a_partial_named_with_an_underscore(name):
    extends = _lines(TEMPLATES / name)[0].lstrip().startswith("{% extends")

    assert extends or _is_partial_name(name), f"templates/{name} extends no layout: name it _{Path(name).name}"
    assert not (extends and _is_partial_name(name)), f"templates/{name} is a page: drop the leading _"


def _partials_used() -> list[tuple[str, str]]:
    """(where, template name) for each include in a template and each inclusion tag."""
    used = [
        (f"templates/{name}", target)
        for name in _templates()
        for target in INCLUDE.findall((TEMPLATES / name).read_text(encoding="utf-8"))
    ]
    used += [
        (module, target)
        for module in _modules()
        for target in INCLUSION_TAG.findall((ROOT / module).read_text(encoding="utf-8"))
    ]
    return used


def test_there_are_includes_to_check():
    assert len(_partials_used()) >= 5


@pytest.mark.parametrize(("where", "target"), _partials_used())
def test_an_included_template_is_a_partial_named_with_an_underscore(where, target):
    assert _is_partial_name(target), f"{where} includes {target}: partials are named with a leading _"
    assert (TEMPLATES / target).exists(), f"{where} includes {target}, which does not exist"
