"""graph/lines.py: the YAML line of each task, in a workflow file and in a workbook."""

from __future__ import annotations

from mistral_lite.graph.lines import task_lines
from mistral_lite.lang.documents import parse_workbook

WORKFLOW = """version: '2.0'
wf:
  tasks:
    one:
      action: std.noop
    two:
      action: std.noop
"""
WORKBOOK = """version: '2.0'
name: wb
workflows:
  wf:
    tasks:
      only:
        action: std.noop
  other:
    tasks:
      only:
        action: std.echo output=1
      more:
        action: std.noop
"""


def test_lines_of_a_workflow_file():
    assert task_lines(WORKFLOW, "wf") == {"one": 4, "two": 6}


def test_lines_of_a_workbook_workflow_are_those_of_its_own_section():
    assert task_lines(WORKBOOK, "wb.wf") == {"only": 6}
    assert task_lines(WORKBOOK, "wb.other") == {"only": 10, "more": 12}


def test_no_text_or_unreadable_text_gives_no_lines():
    assert task_lines(None, "wf") == {}
    assert task_lines("wf: [unclosed", "wf") == {}
    assert task_lines(WORKFLOW, "someone_else") == {}


def test_lines_of_a_workbook_workflow_as_stored_its_dedented_section():
    stored = {w.name: w.definition for w in parse_workbook(WORKBOOK).workflows}
    assert task_lines(stored["wb.wf"], "wb.wf") == {"only": 3}
    assert task_lines(stored["wb.other"], "wb.other") == {"only": 3, "more": 5}
