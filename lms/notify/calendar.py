"""A calendar file (RFC 5545) for one live session, built with the icalendar library."""

from datetime import datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

PRODUCT = "-//Mobility coach LMS//Live sessions//EN"


def event_file(
    *,
    uid: str,
    start: datetime,
    minutes: int,
    summary: str,
    description: str,
    url: str,
    location: str = "",
    organizer: tuple[str, str] | None = None,
    stamp: datetime,
) -> bytes:
    """One VEVENT (times in UTC) in a PUBLISH calendar: calendar programs add it as it is."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=minutes))
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", url)
    if location:
        event.add("location", location)
    if organizer:
        name, email = organizer
        address = vCalAddress(f"mailto:{email}")
        address.params["cn"] = vText(name)
        event.add("organizer", address)
    calendar.add_component(event)
    return calendar.to_ical()
