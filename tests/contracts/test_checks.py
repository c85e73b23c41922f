"""Values-conflict and ad-disclosure checks (pure), and the state-machine transition tables."""

from __future__ import annotations

import pytest

from accord.campaigns.states import CAMPAIGN
from accord.contracts import disclosure, values
from accord.contracts.states import CONTRACT, MILESTONE, TIMESHEET, Machine
from accord.core.errors import IllegalTransition


def test_declared_brand_category_conflicts() -> None:
    found = values.conflicts(["alcohol", "gambling"], ["alcohol"], "A summer festival")
    assert [str(c) for c in found] == ["alcohol: the campaign is in the brand category alcohol"]


def test_brief_keywords_conflict_even_without_the_category() -> None:
    found = values.conflicts(["gambling"], [], "Promote our new online Casino bonus!")
    assert found[0].category == "gambling" and "'casino'" in found[0].reason
    assert "does not work with gambling" in values.message(found, "Anna")


def test_no_conflict_when_words_only_look_alike() -> None:
    assert values.conflicts(["alcohol"], ["fast_food"], "Gingerbread and begin-of-season sale") == []
    assert values.conflicts([], ["alcohol"], "beer") == []


@pytest.mark.parametrize(
    ("caption", "country", "ok"),
    [
        ("Loving this jacket #ad", None, True),
        ("Loving this jacket #AD, really", "DE", True),
        ("#adventure time in the hills", None, False),
        ("Mooie jas #advertentie", "NL", True),
        ("Mooie jas #advertentie", None, False),
        ("Paid   Partnership with Noordzee", "FR", True),
        ("Neue Jacke #Werbung", "DE", True),
        ("Neue Jacke #Werbung", "NL", False),
        ("", "NL", False),
    ],
)
def test_disclosure(caption: str, country: str | None, ok: bool) -> None:
    result = disclosure.check(caption, country)
    assert result.ok is ok
    if not ok:
        assert "#ad" in result.accepted and "no ad disclosure" in result.message


def test_disclosure_lists_are_configurable() -> None:
    overrides = {"NL": ["#samenwerking"], "*": ["#promo"]}
    assert disclosure.check("nice #samenwerking", "NL", overrides).ok
    assert disclosure.check("nice #promo", "BE", overrides).ok
    assert not disclosure.check("nice #ad", "NL", overrides).ok


def _table(machine: Machine) -> list[tuple[str, str]]:
    return [(s, a) for s in machine.states for a in machine.actions]


@pytest.mark.parametrize("machine", [CAMPAIGN, CONTRACT, MILESTONE, TIMESHEET], ids=lambda m: m.entity)
def test_every_cell_of_the_transition_table(machine: Machine) -> None:
    for state, action in _table(machine):
        if machine.allowed(state, action):
            assert machine.next(state, action) in machine.states
        else:
            with pytest.raises(IllegalTransition) as caught:
                machine.next(state, action)
            assert caught.value.code == "illegal_transition" and caught.value.status == 409
            assert caught.value.fields == {"state": state, "action": action}
            assert f"{machine.entity} is {state}: cannot {action}" == caught.value.message


def test_design_paths_exist() -> None:
    path = [("draft", "open"), ("open", "activate"), ("active", "complete")]
    assert [CAMPAIGN.next(s, a) for s, a in path] == ["open", "active", "completed"]
    assert CONTRACT.next("offered", "counter") == "countered"
    assert CONTRACT.next("countered", "complete_signing") == "signed"
    assert CONTRACT.next("signed", "activate") == "active"
    assert MILESTONE.next("changes_requested", "submit") == "submitted"
    assert MILESTONE.next("funded", "dispute") == "disputed"
    assert not MILESTONE.allowed("released", "approve")
    assert not CONTRACT.allowed("completed", "terminate")
    assert not CAMPAIGN.allowed("completed", "open")
