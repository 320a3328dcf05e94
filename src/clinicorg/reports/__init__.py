"""Reports: the dashboard, the license expiry list and the license expiry reminders.

Reminders go out on event days, not every day. A license is announced once at each of its
stages (`queries.reminder_stage`): within each of the organization's reminder windows, from
its expiry day, and each further week while it stays expired. The daily job announces every
license whose stage of the day was never told (`models.LicenseAnnouncement`), whichever days
it did not run, so a license that entered a window on a skipped day is told at the next run,
before it expires; its provider, its location's managers and the administrators each get at
most one digest a day (`models.ReminderDigest`), sent through the mail outbox (`outbox`,
`core.outbox`), which retries until the mail server takes it.
"""
