"""axe-core (the pinned axe-playwright-python) on a Playwright page: the browser tests allow no serious or
critical violation."""

import pytest
from axe_playwright_python.sync_playwright import Axe

BLOCKING = ("serious", "critical")

_axe = Axe()


def blocking_violations(page, context=None) -> list[dict]:
    """axe's violations of impact serious or critical on the page (or inside the `context` selector)."""
    results = _axe.run(page, context=context)
    return [v for v in results.response["violations"] if v["impact"] in BLOCKING]


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
