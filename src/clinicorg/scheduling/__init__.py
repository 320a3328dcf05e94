"""Scheduling: visit types, provider availability, the slot engine, appointments, online booking."""
