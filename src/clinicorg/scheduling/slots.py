"""The slot engine: the free start times of a provider, from data loaded beforehand.

Pure functions: no queries and no clock, so that one provider's week, fifty providers' weeks,
the booking re-check inside its transaction and the property tests all run the same code.

Availability is kept in the location's wall-clock time (weekly windows, date overrides); starts
are laid on the provider's scheduling-step grid from the start of each window, in wall-clock
time, and turned into UTC instants with the location's IANA zone. A wall time that does not
exist (the skipped hour of a spring-forward day) is never offered; a wall time that occurs
twice (the repeated hour of a fall-back day) is offered once, at its first occurrence.
Durations, overlaps, notice and horizon are measured in UTC.

A start is offered while fewer appointments overlap [start, start + duration) than the
provider's capacity, and than the capacity each of those appointments was booked under (so
lowering a capacity never overbooks what was booked before).
"""

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "Busy",
    "local_instant",
    "window_edge",
    "windows_between",
    "free_starts",
]


@dataclass(frozen=True, order=True)
class Busy:
    """A booked appointment as the engine sees it: its interval and the capacity it was
    booked under."""

    start: datetime
    end: datetime
    capacity: int = 1


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of wall time `at` on `day`, or None when that wall time does not exist.

    An ambiguous wall time (it occurs twice on a fall-back day) gives its first occurrence.
    """
    naive = datetime.combine(day, at)
    instant = naive.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return instant


def window_edge(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a window's edge; an edge inside a skipped hour moves to the first
    wall time after it (the moment the clocks change)."""
    naive = datetime.combine(day, at)
    for minute in range(0, 24 * 60):
        moment = naive + timedelta(minutes=minute)
        instant = local_instant(moment.date(), moment.time(), zone)
        if instant is not None:
            return instant
    raise ValueError(f"No wall time after {naive} exists in {zone}.")  # pragma: no cover


Span = tuple[time, time]


def windows_between(
    weekly: Mapping[int, Sequence[Span]],
    overrides: Mapping[date, Sequence[Span]],
    first: date,
    last: date,
) -> list[tuple[date, time, time]]:
    """The (day, start, end) windows of the days first..last, in order. On a day with
    overrides, the overrides replace the weekly windows of that weekday."""
    out = []
    day = first
    while day <= last:
        spans = overrides[day] if day in overrides else weekly.get(day.weekday(), ())
        out.extend((day, start, end) for start, end in sorted(spans))
        day += timedelta(days=1)
    return out


def _overlapping(intervals: Sequence, starts: Sequence[datetime], longest: timedelta, s, e):
    """Whether an item of `intervals` (sorted by start; `starts` their starts) overlaps [s, e)."""
    i = bisect_left(starts, s - longest)
    j = bisect_left(starts, e, i)
    return any(iv.end > s for iv in intervals[i:j])


def free_starts(
    windows: Iterable[tuple[date, time, time]],
    *,
    zone: ZoneInfo,
    step: int,
    duration: timedelta,
    capacity: int,
    busy: Sequence[Busy] = (),
    time_off: Sequence[tuple[datetime, datetime]] = (),
    earliest: datetime | None = None,
    latest: datetime | None = None,
    limit: int | None = None,
) -> list[datetime]:
    """Free starts (UTC, ascending, unique) inside `windows` (local (day, start, end)).

    `busy` are the provider's booked appointments (at every location), `time_off` periods
    without appointments; `earliest`/`latest` bound the starts (minimum notice, horizon);
    `limit` stops after that many starts (the next available time).
    """
    busy = sorted(busy)
    busy_starts = [b.start for b in busy]
    longest_busy = max((b.end - b.start for b in busy), default=timedelta(0))
    off = sorted(Busy(a, b) for a, b in time_off)
    off_starts = [o.start for o in off]
    longest_off = max((o.end - o.start for o in off), default=timedelta(0))
    step_delta = timedelta(minutes=step)
    found: set[datetime] = set()
    out: list[datetime] = []
    for day, start, end in sorted(windows):
        window_end = window_edge(day, end, zone)
        wall = datetime.combine(day, start)
        wall_end = datetime.combine(day, end)
        # Most windows lie inside one UTC offset: then a wall time is its instant minus that
        # offset. A window that spans a change of the clocks converts each wall time.
        first = local_instant(day, start, zone)
        offset = None
        if first is not None and first + (wall_end - wall) == window_end:
            offset = wall - first.replace(tzinfo=None)
        while wall < wall_end:
            if offset is not None:
                instant = (wall - offset).replace(tzinfo=UTC)
            else:
                instant = local_instant(wall.date(), wall.time(), zone)
            wall += step_delta
            if instant is None or instant in found:
                continue
            finish = instant + duration
            if finish > window_end:
                break
            if earliest is not None and instant < earliest:
                continue
            if latest is not None and instant > latest:
                break
            if off and _overlapping(off, off_starts, longest_off, instant, finish):
                continue
            if busy:
                i = bisect_left(busy_starts, instant - longest_busy)
                j = bisect_left(busy_starts, finish, i)
                taken, room = 0, capacity
                for b in busy[i:j]:
                    if b.end > instant:
                        taken += 1
                        room = min(room, b.capacity)
                if taken >= room:
                    continue
            found.add(instant)
            out.append(instant)
            if limit is not None and len(out) >= limit:
                return out
    out.sort()
    return out
