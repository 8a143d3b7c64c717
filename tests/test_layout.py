"""The code's shape: one concept per module, none over 400 lines (ARCHITECTURE.md's rules)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MOST = 400


def test_no_module_of_the_app_is_over_400_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for folder in ("playground", "app_pages", "benchmarks", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MOST
    }
    assert not long, f"split these modules: {long}"
