"""The README's Python snippet runs as written."""

import subprocess
import sys

from conftest import BINDING_DIR, REPO_ROOT

MARKER = "<!-- snippet:python -->"


def snippet():
    """The fenced python block after the marker: the repository README's when it has the
    marker, else this binding's README."""
    for readme in (REPO_ROOT / "README.md", BINDING_DIR / "README.md"):
        if readme.is_file() and MARKER in readme.read_text(encoding="utf-8"):
            lines = readme.read_text(encoding="utf-8").split(MARKER, 1)[1].splitlines()
            start = next(i for i, line in enumerate(lines) if line.strip() == "```python")
            end = next(i for i in range(start + 1, len(lines)) if lines[i].strip() == "```")
            return readme, "\n".join(lines[start + 1 : end])
    raise AssertionError(f"no {MARKER} in either README")


def test_the_readme_snippet_runs(tmp_path):
    readme, code = snippet()
    assert "agent_policy" in code and "make python" in code, readme
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"{readme}:\n{result.stderr}"
    assert "[REDACTED:aws-access-key-id]" in result.stdout
    assert "AKIAIOSFODNN7EXAMPLE" not in result.stdout
    assert "deny" in result.stdout
