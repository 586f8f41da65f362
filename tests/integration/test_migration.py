"""Migration check: workflows written for Mistral upload unchanged, with nothing to warn about.

The workflows of every tests/scenarios/*.yaml file, and the realistic documents of tests/migration/
(written in the style of Mistral's documentation; all accepted by Mistral 23.0.0's validate), are
uploaded as they are to a live server: each answers 201, validate says valid with no warnings, and
`lint` finds nothing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from mistral_lite.lang.lint import lint_text
from tests.support.servers import live_api

TESTS = Path(__file__).resolve().parents[1]
ENDPOINTS = {"workflow": "/workflows", "actions": "/actions", "workbook": "/workbooks"}


def _documents() -> list[tuple[str, str, str]]:
    """(id, endpoint, text) of every document, ad-hoc actions before the workflows that use them."""
    docs = []
    for path in sorted((TESTS / "scenarios").glob("*.yaml")):
        scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "actions" in scenario:
            docs.append((f"{path.stem}/actions", "/actions", scenario["actions"]))
        docs.append((f"{path.stem}/workflows", "/workflows", scenario["workflows"]))
    for path in sorted((TESTS / "migration").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        kind = text.splitlines()[0].removeprefix("# kind:").strip()
        docs.append((path.stem, ENDPOINTS[kind], text))
    return docs


DOCUMENTS = _documents()


def test_there_are_48_scenarios_and_10_realistic_documents():
    assert len({d[0].split("/")[0] for d in DOCUMENTS if "/" in d[0]}) == 48
    assert len([d for d in DOCUMENTS if "/" not in d[0]]) >= 10


def test_every_document_lints_clean():
    found = {doc_id: [str(f) for f in lint_text(text)] for doc_id, _, text in DOCUMENTS}
    assert {k: v for k, v in found.items() if v} == {}


def test_every_document_uploads_unchanged(tmp_path):
    async def main() -> dict[str, object]:
        failures: dict[str, object] = {}
        async with live_api(tmp_path) as api:
            for i, (doc_id, endpoint, text) in enumerate(DOCUMENTS):
                # Each document in its own namespace: scenarios reuse workflow names.
                query = f"?namespace=migration{i}"
                status, body = await api.call("POST", f"{endpoint}/validate", text=text)
                if status != 200 or body != {"valid": True}:
                    failures[f"{doc_id} validate"] = (status, body)
                status, body = await api.call("POST", endpoint + query, text=text)
                if status != 201:
                    failures[doc_id] = (status, body)
        return failures

    assert asyncio.run(main()) == {}
