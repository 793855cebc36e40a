"""The contract's examples (../shared/contract/examples), as the tests read them.

The tests read the copies in ``tests/contract_examples`` so that a clone checked out anywhere runs
them; ``test_the_copies_are_the_contracts`` compares the copies with the contract's own files
whenever ../shared lies beside the project, so a change to the contract is noticed at once.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = Path(__file__).resolve().parent / "contract_examples"
# The contract beside the project's root (../shared), where it is checked out.
SHARED_EXAMPLES = ROOT.parent / "shared" / "contract" / "examples"
