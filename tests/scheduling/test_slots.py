"""The slot engine, against a brute-force oracle that walks every UTC minute of the day.

The oracle states the rules plainly: a start is a first occurrence of an existing wall time,
on the step grid of a window, ends by the window's end, keeps the notice, touches no time off,
and is overlapped by fewer appointments than the provider's capacity and than the capacity
each of those was booked under. Days include the spring-forward and fall-back days of
America/Chicago and Europe/London.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from clinicorg.scheduling.slots import Busy, free_starts, windows_between
from clinicorg.staff.models import SCHEDULING_STEPS

CHICAGO, LONDON = ZoneInfo("America/Chicago"), ZoneInfo("Europe/London")
DST_DAYS = {
    CHICAGO: [date(2026, 3, 8), date(2026, 11, 1), date(2026, 6, 10)],
    LONDON: [date(2026, 3, 29), date(2026, 10, 25), date(2026, 6, 10)],
}


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _utc_minutes(day: date):
    start = datetime.combine(day, time.min, UTC) - timedelta(hours=16)
    return [start + timedelta(minutes=m) for m in range(0, 48 * 60)]


def _edge(day, at, zone, minutes):
    wall = datetime.combine(day, at)
    return next(m for m in minutes if m.astimezone(zone).replace(tzinfo=None) >= wall)


def oracle(day, spans, zone, step, duration, capacity, busy, off, earliest):
    minutes = _utc_minutes(day)
    ends = {e: _edge(day, e, zone, minutes) for _s, e in spans}
    out = []
    for m in minutes:
        local = m.astimezone(zone)
        wall = local.replace(tzinfo=None)
        if wall.date() != day or local.fold == 1:
            continue
        ok = any(
            s <= wall.time() < e
            and (_minutes(wall.time()) - _minutes(s)) % step == 0
            and m + duration <= ends[e]
            for s, e in spans
        )
        if not ok or (earliest is not None and m < earliest):
            continue
        finish = m + duration
        if any(a < finish and b > m for a, b in off):
            continue
        over = [b for b in busy if b.start < finish and b.end > m]
        if len(over) >= min([capacity, *(b.capacity for b in over)]):
            continue
        out.append(m)
    return out


@st.composite
def cases(draw):
    zone = draw(st.sampled_from([CHICAGO, LONDON]))
    day = draw(st.sampled_from(DST_DAYS[zone]))
    cuts = sorted(draw(st.sets(st.integers(0, 287), min_size=2, max_size=4)))
    if len(cuts) % 2:
        cuts = cuts[:-1]
    spans = [
        (time(*divmod(cuts[i] * 5, 60)), time(*divmod(cuts[i + 1] * 5, 60)))
        for i in range(0, len(cuts), 2)
    ]
    step = draw(st.sampled_from(SCHEDULING_STEPS))
    duration = timedelta(minutes=draw(st.sampled_from([10, 15, 30, 45, 60, 90])))
    capacity = draw(st.integers(1, 3))
    base = datetime.combine(day, time.min, UTC) - timedelta(hours=6)
    interval = st.tuples(st.integers(0, 36 * 12), st.integers(1, 36))
    busy = [
        Busy(base + timedelta(minutes=5 * a), base + timedelta(minutes=5 * (a + n)), c)
        for (a, n), c in draw(st.lists(st.tuples(interval, st.integers(1, 3)), max_size=8))
    ]
    off = [
        (base + timedelta(minutes=5 * a), base + timedelta(minutes=5 * (a + n)))
        for a, n in draw(st.lists(interval, max_size=2))
    ]
    earliest = draw(
        st.none() | st.integers(0, 36 * 12).map(lambda a: base + timedelta(minutes=5 * a))
    )
    return day, spans, zone, step, duration, capacity, busy, off, earliest


@settings(max_examples=300)
@given(cases())
def test_the_engine_offers_exactly_the_starts_the_rules_allow(case):
    day, spans, zone, step, duration, capacity, busy, off, earliest = case
    got = free_starts(
        windows_between({day.weekday(): spans}, {}, day, day),
        zone=zone,
        step=step,
        duration=duration,
        capacity=capacity,
        busy=busy,
        time_off=off,
        earliest=earliest,
    )
    assert got == oracle(day, spans, zone, step, duration, capacity, busy, off, earliest)
    # The same, stated one by one.
    walls = [g.astimezone(zone).replace(tzinfo=None) for g in got]
    assert len(set(walls)) == len(walls), "a wall time offered twice"
    for g, wall in zip(got, walls, strict=True):
        assert wall.replace(tzinfo=zone).astimezone(UTC) == g, "a wall time that does not exist"
        assert any(
            s <= wall.time() < e and (_minutes(wall.time()) - _minutes(s)) % step == 0
            for s, e in spans
        ), "off the grid or outside availability"
        assert not any(a < g + duration and b > g for a, b in off), "touches time off"
        over = [b for b in busy if b.start < g + duration and b.end > g]
        assert len(over) < capacity and all(len(over) < b.capacity for b in over)


def _local(starts, zone):
    return [s.astimezone(zone).strftime("%H:%M") for s in starts]


def test_spring_forward_in_chicago_skips_the_hour_that_does_not_exist():
    day = date(2026, 3, 8)
    got = free_starts(
        [(day, time(1, 0), time(4, 0))],
        zone=CHICAGO,
        step=30,
        duration=timedelta(minutes=30),
        capacity=1,
    )
    assert _local(got, CHICAGO) == ["01:00", "01:30", "03:00", "03:30"]


def test_fall_back_in_london_offers_each_wall_time_once():
    day = date(2026, 10, 25)
    got = free_starts(
        [(day, time(0, 30), time(2, 30))],
        zone=LONDON,
        step=30,
        duration=timedelta(minutes=30),
        capacity=1,
    )
    assert _local(got, LONDON) == ["00:30", "01:00", "01:30", "02:00"]
    assert len(set(got)) == len(got)


def test_a_lower_capacity_never_overbooks_what_was_booked_under_a_higher_one():
    day = date(2026, 6, 10)
    start = datetime.combine(day, time(9), CHICAGO).astimezone(UTC)
    busy = [Busy(start, start + timedelta(minutes=30), 3)] * 2
    kwargs = {"zone": CHICAGO, "step": 30, "duration": timedelta(minutes=30), "busy": busy}
    window = [(day, time(9), time(10))]
    assert start in free_starts(window, capacity=3, **kwargs)
    assert start not in free_starts(window, capacity=2, **kwargs)
    # Booked under capacity 1: nothing more fits beside it, even if the capacity grew.
    alone = [Busy(start, start + timedelta(minutes=30), 1)]
    assert start not in free_starts(window, capacity=3, **{**kwargs, "busy": alone})


def test_overrides_replace_the_weekly_windows_of_their_day():
    monday = date(2026, 6, 8)
    weekly = {0: [(time(9), time(12))]}
    overrides = {monday: [(time(14), time(15))]}
    assert windows_between(weekly, overrides, monday, monday + timedelta(days=7)) == [
        (monday, time(14), time(15)),
        (monday + timedelta(days=7), time(9), time(12)),
    ]
