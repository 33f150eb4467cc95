"""Carry-over between working days (routing.carryover): exact lists, history and errors."""

from __future__ import annotations

import datetime as dt

import pytest

from data.errors import InputError
from routing.carryover import (
    CALL_AFTER_FAILURES,
    Attempt,
    PendingJob,
    close_day,
    day_list,
)
from routing.model import Job

MON, TUE, WED = dt.date(2027, 3, 1), dt.date(2027, 3, 2), dt.date(2027, 3, 3)


def job(job_id: str, due: str | None) -> Job:
    return Job.result_delivery(job_id, "oss-1", 108.0, 14.4, due_date=due)


def test_new_jobs_are_received_today_with_no_attempts():
    """A first day's list is today's jobs in their order, received that day."""
    today = day_list((), [job("a", "2027-03-03"), job("b", None)], MON)
    assert [(p.job_id, p.received, p.attempts, p.due) for p in today] == [
        ("a", MON, (), WED), ("b", MON, (), None)]


def test_carried_jobs_come_first_oldest_due_first():
    """Carried jobs lead the list, sorted by due date (no date last), then received, id."""
    carried = (PendingJob(job("c", None), MON), PendingJob(job("b", "2027-03-02"), MON),
               PendingJob(job("a", "2027-03-01"), MON))
    today = day_list(carried, [job("d", "2027-03-01")], TUE)
    assert [p.job_id for p in today] == ["a", "b", "c", "d"]


def test_close_day_splits_done_failed_and_unserved_exactly():
    """Served jobs are done (on time or late); failed and unplanned ones carry with an attempt."""
    today = day_list((PendingJob(job("old", "2027-03-01"), MON,
                                 (Attempt(MON, "unserved", "no_room"),)),),
                     [job("a", "2027-03-02"), job("f", "2027-03-05"), job("u", "2027-03-02"),
                      job("x", None)], TUE)
    close = close_day(today, TUE, served=["old", "a", "f"], failed={"f": "not_home"},
                      unserved={"u": "no_room"})
    assert [(d.job_id, d.on_time, d.attempts) for d in close.done] == [
        ("old", False, 1), ("a", True, 0)]
    assert [(p.job_id, p.attempts[-1]) for p in close.left] == [
        ("f", Attempt(TUE, "failed", "not_home")), ("u", Attempt(TUE, "unserved", "no_room")),
        ("x", Attempt(TUE, "unserved", "not_planned"))]
    assert [p.job_id for p in close.late_left] == ["u"]  # due 02/03, still open at its end


def test_no_job_is_lost_or_duplicated_over_a_week():
    """Over five days every job is done exactly once or still left at the end."""
    left: tuple[PendingJob, ...] = ()
    done_ids: list[str] = []
    received = []
    for i in range(5):
        day = MON + dt.timedelta(days=i)
        new = [job(f"d{i}-{k}", (day + dt.timedelta(days=1)).isoformat()) for k in range(4)]
        received += [j.job_id for j in new]
        today = day_list(left, new, day)
        ids = [p.job_id for p in today]
        close = close_day(today, day, served=ids[:3], failed={ids[0]: "refused"})
        done_ids += [d.job_id for d in close.done]
        left = close.left
    assert sorted(done_ids + [p.job_id for p in left]) == sorted(received)
    assert len(done_ids) == 10 and len(left) == 10


def test_third_failure_flags_a_phone_call():
    """A job that failed CALL_AFTER_FAILURES times is flagged; unserved days do not count."""
    p = PendingJob(job("a", None), MON)
    for _ in range(CALL_AFTER_FAILURES - 1):
        p = close_day((p,), MON, served=["a"], failed={"a": "not_home"}).left[0]
    p = close_day((p,), MON, served=[]).left[0]
    assert p.failures == CALL_AFTER_FAILURES - 1 and not p.needs_call
    close = close_day((p,), TUE, served=["a"], failed={"a": "wrong_address"})
    assert close.flagged == close.left and close.left[0].failures == CALL_AFTER_FAILURES


def test_due_today_served_today_is_on_time_boundary():
    """Served on the appointment date itself is on time; the day after is late."""
    on = close_day(day_list((), [job("a", "2027-03-02")], TUE), TUE, served=["a"])
    late = close_day(day_list((), [job("a", "2027-03-02")], WED), WED, served=["a"])
    assert on.done[0].on_time and not late.done[0].on_time


def test_duplicate_and_future_jobs_are_refused_together():
    """A job twice on the list and a carried job received later are both named at once."""
    carried = (PendingJob(job("a", None), WED),)
    with pytest.raises(InputError, match="job a is on the list of 02/03/2027 twice") as err:
        day_list(carried, [job("a", None)], TUE)
    assert len(err.value.problems) == 2
    assert "received on 03/03/2027, after 02/03/2027" in str(err.value.problems[1])


def test_close_day_refuses_inconsistent_outcomes():
    """Unknown ids, failures not served, served-and-unserved and unknown reasons are refused."""
    today = day_list((), [job("a", None), job("b", None)], MON)
    with pytest.raises(InputError, match="served job z is not on the list") as err:
        close_day(today, MON, served=["z", "a"], failed={"b": "not_home", "a": "lost"},
                  unserved={"a": "no_room"})
    texts = [p.message for p in err.value.problems]
    assert len(texts) == 4
    assert any("b is marked failed but was not served" in t for t in texts)
    assert any("a is both served and unserved" in t for t in texts)
    assert any("failure reason 'lost' is unknown" in t for t in texts)
