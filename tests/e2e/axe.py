"""axe-core (from the npm registry, pinned in package-lock.json and installed by ``make setup``),
injected into a page to find accessibility violations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")

RUN_JS = """
async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 3).map(
      (n) => n.target.join(' ') + ' — ' + (n.failureSummary || '').slice(0, 160)),
  }));
}
"""


def axe_violations(page: Any, impacts: tuple[str, ...] = SERIOUS) -> list[dict[str, Any]]:
    """The page's axe-core violations of the given impacts (serious and critical by default)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not added as a <script>: the page's own
        # Content-Security-Policy (script-src 'self') stays in force for everything else.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    return [v for v in page.evaluate(RUN_JS) if v["impact"] in impacts]
