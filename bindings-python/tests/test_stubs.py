"""The type stubs agree with the module (mypy.stubtest), and a type checker uses them."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import agent_policy

PACKAGE = Path(agent_policy.__file__).parent


def run(args, cwd, tmp_path):
    env = dict(os.environ, MYPY_CACHE_DIR=str(tmp_path / "mypy-cache"), PYTHONPATH=str(cwd))
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_stubtest_finds_the_stubs_and_module_in_agreement(tmp_path):
    result = run(["mypy.stubtest", "agent_policy"], tmp_path, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_stubtest_fails_when_a_stub_disagrees(tmp_path):
    copy = tmp_path / "agent_policy"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    stub = copy / "_native.pyi"
    text = stub.read_text()
    assert "    def lint(self)" in text and "sequence: int = 0" in text
    stub.write_text(
        text.replace("    def lint(self)", "    def lint_all(self)").replace(
            "sequence: int = 0", "seq: int = 0"
        )
    )
    result = run(["mypy.stubtest", "agent_policy"], tmp_path, tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Engine.lint" in out and "sequence" in out


USAGE = """\
from agent_policy import Decision, Engine, PolicyDenied, PolicyError, guard

engine: Engine = Engine.from_str("version: '1'\\n", "yaml", origin="p.yml")
d: Decision = engine.evaluate({"tool": "Read", "args": {"file_path": "a"}}, "2026-11-22T10:00:00Z")
blocked: bool = d.blocks
score: int = d.risk_score
role: "str | None" = d.approver_role
warnings: "list[str]" = engine.lint()["warnings"]

@guard(engine, tool="Read")
def read(file_path: str) -> str:
    return file_path

try:
    text: str = read("a")
except PolicyDenied as denied:
    outcome: str = denied.decision.decision
except PolicyError as e:
    line: "int | None" = e.line
"""


def test_a_type_checker_accepts_correct_use_and_rejects_wrong_use(tmp_path):
    (tmp_path / "good.py").write_text(USAGE)
    result = run(["mypy", "--strict", "good.py"], tmp_path, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    (tmp_path / "bad.py").write_text(
        "from agent_policy import Engine\n"
        "Engine.defaults().evaluate(42, sequence='one')\n"
        "s: str = Engine.defaults().evaluate('{}').risk_score\n"
    )
    result = run(["mypy", "--strict", "bad.py"], tmp_path, tmp_path)
    assert result.returncode == 1
    assert result.stdout.count("error:") == 3, result.stdout


def test_the_package_itself_type_checks_strictly(tmp_path):
    result = run(["mypy", "--strict", "-p", "agent_policy"], tmp_path, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
