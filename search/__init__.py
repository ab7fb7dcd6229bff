"""One search interface for the site: ``search.query(user, q, …)`` and ``search.suggest(prefix)``.

The backend (embedded SQLite FTS5, or Elasticsearch) is chosen by settings; see ``search.api``.
"""


def query(user, q, **kwargs):
    from search.api import query as run_query

    return run_query(user, q, **kwargs)


def suggest(prefix, **kwargs):
    from search.api import suggest as run_suggest

    return run_suggest(prefix, **kwargs)
