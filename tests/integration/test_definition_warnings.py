"""Documents Mistral accepts but that are probably mistakes: accepted with warnings (validate, log,
`mistral-lite lint`), refused naming key and line under strict-validation."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from structlog.testing import capture_logs

from tests.support.servers import live_api

TYPO = """version: '2.0'
typo_wf:
  descriptoin: Purge the CDN cache
  owner: web-team
  tasks:
    purge:
      action: std.noop
"""
CLEAN = "version: '2.0'\nclean_wf:\n  description: fine\n  tasks:\n    t:\n      action: std.noop\n"
BROKEN = "version: '2.0'\nbroken_wf:\n  tasks:\n    t:\n      action: std.echo output=Hi\n"


def test_upload_succeeds_and_validate_and_log_report_the_warnings(tmp_path):
    async def main():
        async with live_api(tmp_path) as api:
            with capture_logs() as logged:
                checked = await api.ok("POST", "/workflows/validate", text=TYPO)
                await api.ok("POST", "/workflows", text=TYPO, status=201)
            clean = await api.ok("POST", "/workflows/validate", text=CLEAN)
            run = await api.run("typo_wf")
            return checked, logged, clean, run

    checked, logged, clean, run = asyncio.run(main())
    assert checked["valid"] is True
    first, second = checked["warnings"]
    assert "'descriptoin'" in first and "did you mean 'description'?" in first and "line 3" in first
    assert "'owner'" in second and "line 4" in second
    warnings = [e for e in logged if e["event"] == "definition warning"]
    assert {(e["key"], e["line"]) for e in warnings} == {("descriptoin", 3), ("owner", 4)}
    assert clean == {"valid": True}  # Mistral's answer, nothing added
    assert run["state"] == "SUCCESS"


def test_strict_validation_refuses_the_document_naming_key_and_line(tmp_path):
    async def main():
        async with live_api(tmp_path, strict_validation="on") as api:
            status, body = await api.call("POST", "/workflows", text=TYPO)
            checked = await api.ok("POST", "/workflows/validate", text=TYPO)
            listed = await api.ok("GET", "/workflows")
            return status, body, checked, listed

    status, body, checked, listed = asyncio.run(main())
    assert status == 400
    assert "descriptoin" in body["faultstring"] and "line 3" in body["faultstring"]
    assert "strict-validation" in body["faultstring"]
    assert checked["valid"] is False and "line 3" in checked["error"]
    assert "typo_wf" not in [w["name"] for w in listed["workflows"]]


def _lint(*paths) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mistral_lite", "lint", *map(str, paths)],
                          capture_output=True, text=True, timeout=60)


def test_lint_prints_file_line_and_exits_non_zero_on_warnings_or_errors(tmp_path):
    typo, clean, broken = tmp_path / "typo.yaml", tmp_path / "clean.yaml", tmp_path / "broken.yaml"
    typo.write_text(TYPO)
    clean.write_text(CLEAN)
    broken.write_text(BROKEN)

    ok = _lint(clean)
    assert (ok.returncode, ok.stdout) == (0, "")

    warned = _lint(clean, typo)
    assert warned.returncode == 1
    lines = warned.stdout.splitlines()
    assert lines[0].startswith(f"{typo}:3: warning: unknown key 'descriptoin'")
    assert lines[1].startswith(f"{typo}:4: warning: unknown key 'owner'")

    failed = _lint(broken)
    assert failed.returncode == 1
    assert failed.stdout.startswith(f"{broken}:5: error: ")
    assert 'quote text (output="...")' in failed.stdout  # says how to quote it

    missing = _lint(tmp_path / "nope.yaml")
    assert missing.returncode == 2 and "cannot read the file" in missing.stdout
