"""Every valid corpus document parses; every invalid one fails naming its key and line."""

import pytest

from mistral_lite.lang.documents import parse_actions, parse_workbook, parse_workflows
from mistral_lite.lang.errors import DslError, DslWarning
from mistral_lite.lang.lint import enforce
from tests.support.corpus import cases

PARSERS = {"workflow": parse_workflows, "workbook": parse_workbook, "actions": parse_actions}
VALID = cases("valid")
INVALID = cases("invalid")
WARNING = cases("warning")


def test_corpus_is_big_enough():
    assert len(VALID) >= 60
    assert len(INVALID) >= 40


@pytest.mark.parametrize("case", VALID, ids=[c.id for c in VALID])
def test_valid_document_is_accepted(case):
    PARSERS[case.kind](case.text)


@pytest.mark.parametrize("case", INVALID, ids=[c.id for c in INVALID])
def test_invalid_document_is_rejected_with_key_and_line(case):
    with pytest.raises(DslError) as err:
        PARSERS[case.kind](case.text)
    message = str(err.value)
    assert case.expect_line is not None, "an invalid case must say on which line its mistake is"
    assert err.value.line == case.expect_line, message
    assert f"line {case.expect_line}" in message
    if case.expect_key:
        assert case.expect_key in message, message
    if case.expect_fragment:
        assert case.expect_fragment.lower() in message.lower(), message


@pytest.mark.parametrize("case", WARNING, ids=[c.id for c in WARNING])
def test_doubtful_document_is_accepted_with_a_warning_naming_key_and_line(case):
    warnings: list[DslWarning] = []
    PARSERS[case.kind](case.text, 100, warnings)
    assert [w.line for w in warnings] == [case.expect_line]
    assert case.expect_key in str(warnings[0])
    with pytest.raises(DslError) as err:  # strict-validation
        enforce(warnings, strict=True)
    assert f"line {case.expect_line}" in str(err.value) and case.expect_key in str(err.value)
