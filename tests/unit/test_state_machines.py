"""Every lifecycle (status enum + TRANSITIONS) checked as a graph: every state is reachable from where an aggregate
starts, every state can still reach an ending, endings are final; ``check`` refuses exactly the moves the table
does not list; and ``transition`` saves a move against a real database: guarded by the from-status, with its
event row, changing nothing when it refuses."""

import asyncio
import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from piccolo.engine.sqlite import SQLiteEngine

from claims.model import CLAIM, ClaimStatus, check_transition
from claims.model import TRANSITIONS as CLAIM_TRANSITIONS
from insure.accounts.model import ALLOCATION, DECLARATION
from insure.applications.model import APPLICATION, ApplicationStatus
from insure.applications.model import START as APPLICATION_START
from insure.applications.model import TRANSITIONS as APPLICATION_TRANSITIONS
from insure.documents_model import DOCUMENT, DocumentStatus
from insure.documents_tables import Document
from insure.errors import Conflict
from insure.payments.model import PAYMENT, REFUND
from insure.payments.payout_model import PAYOUT
from insure.policies.model import INSTALMENT, POLICY, REINSTATEMENT, PolicyStatus
from insure.policies.model import TRANSITIONS as POLICY_TRANSITIONS
from insure.state import LIFECYCLES, IllegalTransition, Lifecycle, StatusChanged, lifecycle, transition
from insure.state_tables import StateEvent

# every lifecycle of the code base: the ones declared here, and any other module declared (the registry)
DECLARED = {
    m.aggregate: m
    for m in (
        POLICY,
        APPLICATION,
        CLAIM,
        INSTALMENT,
        REINSTATEMENT,
        PAYMENT,
        REFUND,
        DOCUMENT,
        PAYOUT,
        DECLARATION,
        ALLOCATION,
    )
}
MACHINES = {**LIFECYCLES, **DECLARED}


def test_every_declared_lifecycle_is_registered_under_its_table_name():
    assert {name: LIFECYCLES[name] for name in DECLARED} == DECLARED
    from insure.piccolo_app import APP_CONFIG as insure_app

    tables = {t._meta.tablename: t for t in insure_app.table_classes}
    from claims.piccolo_app import APP_CONFIG as claims_app

    tables.update({t._meta.tablename: t for t in claims_app.table_classes})
    for name in MACHINES:
        assert name in tables, f"lifecycle {name!r} names no table"
        assert tables[name]._meta.get_column_by_name("status") is not None


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_every_lifecycle_is_a_sound_graph(name):
    machine = MACHINES[name]
    assert machine.problems() == []
    assert set(machine.transitions) == set(machine.states)
    assert machine.reachable() == set(machine.states)  # no status that nothing can lead to
    assert machine.terminal
    for state in machine.states:
        assert machine.reachable({state}) & machine.terminal  # no trap: every status can still come to an end


@pytest.mark.parametrize(
    ("name", "current", "target"),
    [(name, a, b) for name, m in sorted(MACHINES.items()) for a, b in itertools.product(m.states, repeat=2)],
)
def test_check_refuses_exactly_the_moves_the_table_does_not_list(name, current, target):
    machine = MACHINES[name]
    if target in machine.transitions[current]:
        machine.check(current, target)
        assert machine.allows(current, target)
    else:
        with pytest.raises(IllegalTransition) as err:
            machine.check(current, target)
        assert isinstance(err.value, Conflict) and err.value.status == 409
        assert err.value.code == "illegal_transition"
        assert (err.value.aggregate, err.value.current, err.value.target) == (name, current, target)
        assert err.value.params["status"] == current.value  # the message names where the record is
        assert current.value in str(err.value) and target.value in str(err.value)


def test_the_graph_check_finds_what_is_wrong():
    from enum import StrEnum

    class S(StrEnum):
        A = "a"
        B = "b"
        C = "c"
        D = "d"

    broken = Lifecycle("broken", S, {S.A: frozenset({S.A, S.B}), S.B: frozenset({S.A})}, frozenset({S.A}))
    problems = broken.problems()
    assert any("c has no row" in p for p in problems) and any("a moves to itself" in p for p in problems)
    trap = Lifecycle(
        "trap",
        S,
        {S.A: frozenset({S.B, S.D}), S.B: frozenset({S.C}), S.C: frozenset({S.B}), S.D: frozenset()},
        frozenset({S.A}),
    )
    assert sorted(trap.problems()) == ["trap: b can never come to an end", "trap: c can never come to an end"]
    island = Lifecycle("island", S, {S.A: frozenset(), S.B: frozenset(), S.C: frozenset(), S.D: frozenset()}, {S.A})
    assert sorted(island.problems())[0].startswith("island: b cannot be reached")


def test_the_tables_are_as_designed():
    assert POLICY_TRANSITIONS[PolicyStatus.CANCELLED] == POLICY_TRANSITIONS[PolicyStatus.EXPIRED] == frozenset()
    assert CLAIM_TRANSITIONS[ClaimStatus.PAID] == frozenset()
    assert CLAIM_TRANSITIONS[ClaimStatus.DENIED] == {ClaimStatus.REFERRED}  # reopened, with a reason
    assert POLICY_TRANSITIONS[PolicyStatus.LAPSED] == {PolicyStatus.IN_FORCE, PolicyStatus.CANCELLED}
    assert APPLICATION.initial == set(APPLICATION_START.values())
    assert APPLICATION.transitions == APPLICATION_TRANSITIONS
    assert POLICY.initial == {PolicyStatus.PENDING_PAYMENT}
    assert CLAIM.initial == {ClaimStatus.SUBMITTED}
    offered = APPLICATION.transitions[ApplicationStatus.OFFERED]
    assert offered == {ApplicationStatus.ACCEPTED, ApplicationStatus.WITHDRAWN}


def test_nothing_comes_back_from_an_ending():
    for machine in MACHINES.values():
        for ending in machine.terminal:
            assert machine.transitions[ending] == frozenset()


@given(st.sampled_from(list(ClaimStatus)), st.sampled_from(list(ClaimStatus)))
def test_the_claim_check_refuses_exactly_the_moves_the_table_does_not_list(current, target):
    if target in CLAIM_TRANSITIONS[current]:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransition):
            check_transition(current, target)


def test_a_refused_move_is_answered_409_illegal_transition_naming_the_status():
    from litestar import Litestar, get
    from litestar.testing import TestClient

    from insure.web.problems import EXCEPTION_HANDLERS

    @get("/api/v1/claim-move")
    async def claim_move() -> None:
        CLAIM.check(ClaimStatus.PAID, ClaimStatus.APPROVED)

    @get("/api/v1/application-move")
    async def application_move() -> None:
        APPLICATION.check(ApplicationStatus.WITHDRAWN, ApplicationStatus.ACCEPTED)

    app = Litestar([claim_move, application_move], exception_handlers=EXCEPTION_HANDLERS)
    with TestClient(app) as client:
        claim = client.get("/api/v1/claim-move")
        application = client.get("/api/v1/application-move")
    assert claim.status_code == application.status_code == 409
    assert claim.json()["code"] == application.json()["code"] == "illegal_transition"
    assert claim.json()["type"] == "urn:insure:problem:illegal_transition"
    # the claim's status by its label, as before; the application's as stored, as before
    labelled = ("This is not possible while the claim is Paid.", "赔案当前状态为“已赔付”，无法执行此操作。")
    assert claim.json()["detail"] in labelled
    assert "withdrawn" in application.json()["detail"]


def test_a_lifecycle_declared_elsewhere_is_registered():
    from enum import StrEnum

    class Light(StrEnum):
        ON = "on"
        OFF = "off"

    machine = lifecycle("test_light", Light, {Light.ON: {Light.OFF}, Light.OFF: set()}, {Light.ON})
    try:
        assert LIFECYCLES["test_light"] is machine and machine.problems() == []
    finally:
        del LIFECYCLES["test_light"]


# --- transition() against a real SQLite database ---------------------------------------------------------------


@pytest.fixture
def documents_db(tmp_path: Path):
    """Document and StateEvent on a database file of their own, created from the table classes."""
    engine = SQLiteEngine(path=str(tmp_path / "state.sqlite"))
    saved = {table: table._meta.db for table in (Document, StateEvent)}
    for table in saved:
        table._meta.db = engine

    async def create() -> None:
        for table in saved:
            await table.create_table(if_not_exists=True)

    asyncio.run(create())
    yield
    for table, db in saved.items():
        table._meta.db = db


async def _document(status: DocumentStatus) -> int:
    rows = await Document.insert(
        Document(doc_key=f"test:{status}", kind="test", owner_type="test", owner_id=1, status=status)
    ).returning(Document.id)
    return rows[0]["id"]


async def _state(doc_id: int) -> tuple[str, str, list[dict]]:
    row = await Document.select(Document.status, Document.path).where(Document.id == doc_id).first()
    events = await StateEvent.select().where((StateEvent.aggregate == "document") & (StateEvent.record_id == doc_id))
    return row["status"], row["path"], events


def test_a_legal_move_updates_the_row_and_writes_its_event(documents_db):
    async def run() -> None:
        doc_id = await _document(DocumentStatus.PENDING)
        await transition(
            Document,
            doc_id,
            DocumentStatus.PENDING,
            DocumentStatus.READY,
            machine=DOCUMENT,
            actor="test:worker",
            reason="rendered",
            values={Document.path: "docs/1.pdf"},
        )
        status, path, events = await _state(doc_id)
        assert (status, path) == ("ready", "docs/1.pdf")
        assert [(e["from_status"], e["to_status"], e["actor"], e["reason"]) for e in events] == [
            ("pending", "ready", "test:worker", "rendered")
        ]

    asyncio.run(run())


def test_an_illegal_move_is_refused_and_changes_nothing(documents_db):
    async def run() -> None:
        doc_id = await _document(DocumentStatus.READY)
        with pytest.raises(IllegalTransition) as err:
            await transition(
                Document,
                doc_id,
                DocumentStatus.READY,
                DocumentStatus.PENDING,
                machine=DOCUMENT,
                actor="test:worker",
                values={Document.path: "elsewhere.pdf"},
            )
        assert err.value.code == "illegal_transition" and err.value.status == 409
        assert await _state(doc_id) == ("ready", "", [])

    asyncio.run(run())


def test_a_stale_from_status_is_a_conflict_and_changes_nothing(documents_db):
    async def run() -> None:
        doc_id = await _document(DocumentStatus.READY)  # someone else rendered it meanwhile
        with pytest.raises(Conflict) as err:
            await transition(
                Document,
                doc_id,
                DocumentStatus.PENDING,
                DocumentStatus.READY,
                machine=DOCUMENT,
                actor="test:worker",
                values={Document.path: "second.pdf"},
            )
        assert isinstance(err.value, StatusChanged) and not isinstance(err.value, IllegalTransition)
        assert err.value.code == "status_changed" and err.value.status == 409
        assert await _state(doc_id) == ("ready", "", [])

    asyncio.run(run())


def test_without_a_machine_the_table_s_registered_lifecycle_is_checked(documents_db):
    async def run() -> None:
        doc_id = await _document(DocumentStatus.READY)
        with pytest.raises(IllegalTransition):
            await transition(
                Document, doc_id, DocumentStatus.READY, DocumentStatus.PENDING, event_table=StateEvent, actor="t"
            )
        assert await _state(doc_id) == ("ready", "", [])

    asyncio.run(run())
