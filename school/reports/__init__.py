"""Statistics and reports for organizers: dashboard, the ten most popular courses, the member table.

Every figure is an aggregate query over the organizer's org subtree (``scope``) and a date range
(``period``); nothing loops over members in Python.
"""
