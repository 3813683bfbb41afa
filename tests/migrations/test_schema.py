"""`flask db upgrade` on an empty database yields exactly the models' schema, on both databases."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db
from app.models.ticket_search import SEARCH_OBJECTS
from config import TestConfig
from tests.support import services


def _not_search(obj, name, type_, reflected, compare_to):
    """The search DDL (app/models/ticket_search.py) is the same in both; Alembic cannot compare it."""
    return not (name or "").startswith(SEARCH_OBJECTS)


def _search_objects(engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE name LIKE 'ticket%search%'")
        else:
            rows = conn.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%fts'")
        return {name for (name,) in rows}


def _diff_after_upgrade(database_url, tmp_path):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, HELPDESK_DATA_DIR=str(tmp_path))
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "render_as_batch": True, "include_object": _not_search}
            )
            diff = compare_metadata(context, db.metadata)
        migrated_search = _search_objects(db.engine)
        tables = set(inspect(db.engine).get_table_names())
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names())
        db.create_all()  # the models' own DDL makes the same search objects as the migration
        assert _search_objects(db.engine) == migrated_search and len(migrated_search) >= 2
        db.drop_all()
        db.engine.dispose()
    return diff, tables, remaining


def test_sqlite_upgrade_matches_models(tmp_path):
    diff, tables, remaining = _diff_after_upgrade(f"sqlite:///{tmp_path / 'm.db'}", tmp_path)
    assert diff == []
    assert set(db.metadata.tables) <= tables
    assert remaining == {"alembic_version"}


@pytest.mark.postgres
def test_postgresql_upgrade_matches_models(tmp_path):
    # A database of its own: the shared one keeps the models' tables between tests.
    with services.throwaway_postgres_database("helpdesk_migrate") as url:
        diff, tables, remaining = _diff_after_upgrade(url, tmp_path)
    assert diff == []
    assert set(db.metadata.tables) <= tables
    assert remaining == {"alembic_version"}
