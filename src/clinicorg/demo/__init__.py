"""The demo organization: a front end of its own, on top of every domain app."""
