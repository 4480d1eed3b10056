"""Reads an iCalendar feed with vobject, a reader independent of ical.js, and prints what it understood as JSON.

Usage: /usr/bin/python3 tests/read-calendar.py < feed.ics

Prints {"calendar": {PROPERTY: [values]}, "events": [{PROPERTY: [values]}]} for the TEXT properties the API writes
(the calendar's NAME, X-WR-CALNAME, DESCRIPTION and X-WR-CALDESC; each event's UID, SUMMARY, DESCRIPTION,
LOCATION and CATEGORIES), each value unescaped by vobject's own TEXT rules. vobject reads properties it has no
behaviour for with its default TEXT behaviour, which splits at the first unescaped comma: the strict reading.
Exits non-zero when vobject cannot read the feed.
"""

import json
import sys

import vobject

CALENDAR = ["name", "x-wr-calname", "description", "x-wr-caldesc"]
EVENT = ["uid", "summary", "description", "location", "categories"]


def values(component, name):
    """Every value of a property, as text (CATEGORIES is a list in vobject)."""
    found = []
    for line in component.contents.get(name, []):
        value = line.value
        found.append(value if isinstance(value, str) else list(value))
    return found


def main():
    calendar = vobject.readOne(sys.stdin.read())
    out = {
        "calendar": {name: values(calendar, name) for name in CALENDAR},
        "events": [
            {name: values(event, name) for name in EVENT}
            for event in calendar.contents.get("vevent", [])
        ],
    }
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
