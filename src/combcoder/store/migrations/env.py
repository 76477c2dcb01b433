"""Alembic environment for the review store.

``open_store`` passes an open connection in ``config.attributes["connection"]``; the
``alembic`` command line can instead give ``-x url=...`` (for ``alembic revision --autogenerate``
during development: ``alembic -c /dev/null -x url=sqlite:///dev.db revision ...`` with
``script_location`` pointing here).
"""

from __future__ import annotations

from alembic import context

from combcoder.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_with(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_with(connection)
else:
    from combcoder.store.db import make_engine

    url = context.get_x_argument(as_dictionary=True).get("url")
    engine = make_engine(url)
    with engine.begin() as conn:
        run_with(conn)
    engine.dispose()
