"""The contract's examples, read where the contract lives: ../shared beside the project's root
(as CI checks it out). A checkout with no contract beside it skips the tests that read them."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT.parent / "shared" / "contract" / "examples"


def example(name: str) -> Path:
    """The path of the contract's example ``name``; skips the test when the contract is absent."""
    path = EXAMPLES / name
    if not path.exists():
        pytest.skip(f"the contract's example is not beside the project: {path}")
    return path
