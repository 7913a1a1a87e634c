"""axe-core (the pinned axe-playwright-python) on a Playwright page: the browser tests allow no serious or
critical violation."""

import pytest
from axe_playwright_python.sync_playwright import DEFAULT_OPTIONS, Axe

BLOCKING = ("serious", "critical")

_axe = Axe()


def blocking_violations(page, context=None) -> list[dict]:
    """axe's violations of impact serious or critical on the page (or inside the `context` selector)."""
    # axe-core is half a megabyte of script: a document gets it once, and a second run on the same page (the
    # phone's width after the desktop's) reuses it. A navigation brings a fresh document without it.
    if not page.evaluate("() => typeof window.axe === 'object' && typeof window.axe.run === 'function'"):
        page.evaluate(_axe.axe_script)
    args = _axe._format_script_args(context=context, options=DEFAULT_OPTIONS)
    results = page.evaluate(f"axe.run({args})")
    return [v for v in results["violations"] if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    """One paragraph per rule: its id, impact and help, then each offending element's selector and why."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"]:
            target = " ".join(" > ".join(t) if isinstance(t, list) else t for t in node["target"])
            summary = node.get("failureSummary", "").replace("\n", " ")
            lines.append(f"    {target}: {summary}")
    return "\n".join(lines)


def assert_accessible(page, context=None, where: str = ""):
    """Fail with a readable list when axe finds a serious or critical violation on the page."""
    violations = blocking_violations(page, context)
    if violations:
        pytest.fail(f"axe: serious or critical violations on {where or page.url}:\n{describe(violations)}")
