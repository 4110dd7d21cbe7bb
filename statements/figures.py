"""The stored figures of each statement (`endorsers_count`, `countries_count`, `unnamed_count`), kept by the
database itself.

Every list, page, feed and API answer shows them, so they are stored on the statement rather than counted per
request. They change with an endorsement (added, withdrawn, named or not, moved) and with an endorser (its
headquarters country, or whether it is listed or hidden, and so named). Database triggers count them again in the
same transaction as the write, whatever made it: a service, the admin, a bulk `update()` or `bulk_create()`, a
cascade, raw SQL. The counting query is not written twice: it is `endorsement_counts` (and through it the naming
rule, `Organization.named_publicly_q`) compiled by the ORM when the triggers are installed, after every
`migrate` (StatementsConfig.ready), so a change of the rule reaches the triggers at the next migrate.

On PostgreSQL the triggers run once per statement (with its transition tables) and lock the statements they count
(in id order) before counting, so two endorsements committed at the same moment cannot each store a figure that
misses the other: the count is taken after the lock, on a fresh snapshot. On SQLite, which writes one transaction
at a time, row triggers do the same.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models.expressions import RawSQL

from organizations.models import Organization
from statements.models import COUNT_FIELDS, Endorsement, Statement, endorsement_counts

STATEMENTS = Statement._meta.db_table
ENDORSEMENTS = Endorsement._meta.db_table
ORGANIZATIONS = Organization._meta.db_table
FUNCTION = "statements_count_endorsements"
PREFIX = "statements_figures"
# The endorser's columns the figures read (endorsement_counts, Organization.named_publicly_q);
# tests/statements/test_counts.py checks that the counting query reads no other.
ORGANIZATION_COLUMNS = ("hq_country", "status", "listed_publicly", "hidden_at")


def figures_sql(connection: Any, statement_ids: str) -> str:
    """SELECT pk, endorsers_count, countries_count, unnamed_count of the statements whose ids `statement_ids`
    (a SELECT) gives, with its parameters written in."""
    query = (
        Statement._base_manager.order_by()
        .filter(pk__in=RawSQL(statement_ids, []))  # noqa: S611 - our own SQL, no input
        .values("pk")
        .annotate(**endorsement_counts("endorsements__"))
    )
    sql, params = query.query.sql_with_params()
    if connection.vendor == "postgresql":
        return connection.ops.compose_sql(sql, params)
    return sql % tuple(_sqlite_literal(value) for value in params)


def _sqlite_literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool | int):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


def _store(connection: Any, statement_ids: str) -> str:
    """SQLite: an UPDATE that stores the figures of the statements whose ids `statement_ids` gives."""
    columns = ", ".join(COUNT_FIELDS)
    counted = ", ".join(f"f.{field}" for field in COUNT_FIELDS)
    figures = figures_sql(connection, statement_ids)
    return (
        f"UPDATE {STATEMENTS} SET ({columns}) = (SELECT {counted} FROM ({figures}) f "  # noqa: S608 - no input
        f"WHERE f.pk = {STATEMENTS}.id) WHERE id IN ({statement_ids})"
    )


def install_triggers(using: str = "default") -> None:
    """(Re)create the function and triggers that keep the figures, and count every statement again: the rule
    they count by may have changed with the code being migrated to. Run after each `migrate`; safe to run twice."""
    connection = connections[using]
    every_statement = f"SELECT id FROM {STATEMENTS}"  # noqa: S608 - a constant
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _install_postgresql(cursor, connection)
            cursor.execute(f"SELECT {FUNCTION}(ARRAY({every_statement}))")
        elif connection.vendor == "sqlite":
            _install_sqlite(cursor, connection)
            cursor.execute(_store(connection, every_statement))


def _install_postgresql(cursor: Any, connection: Any) -> None:
    assignments = ", ".join(f"{field} = f.{field}" for field in COUNT_FIELDS)
    stored = ", ".join(f"s.{field}" for field in COUNT_FIELDS)
    counted = ", ".join(f"f.{field}" for field in COUNT_FIELDS)
    # Identifiers come from the models, the rest is the ORM's own compilation: no input reaches this SQL.
    cursor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}(ids bigint[]) RETURNS void AS $$
        BEGIN
            -- Lock first, count after: this statement's snapshot then holds every endorsement committed before.
            PERFORM 1 FROM {STATEMENTS} WHERE id = ANY(ids) ORDER BY id FOR UPDATE;
            UPDATE {STATEMENTS} s SET {assignments}
            FROM ({figures_sql(connection, "SELECT unnest(ids)")}) f
            WHERE s.id = f.pk AND ({stored}) IS DISTINCT FROM ({counted});
        END
        $$ LANGUAGE plpgsql
        """  # noqa: S608
    )
    changed = " OR ".join(f"n.{column} IS DISTINCT FROM o.{column}" for column in ORGANIZATION_COLUMNS)
    statement_ids = {
        "inserted": "SELECT statement_id FROM new_rows",
        "deleted": "SELECT statement_id FROM old_rows",
        "updated": "SELECT statement_id FROM new_rows UNION SELECT statement_id FROM old_rows",
        "endorser_updated": (
            f"SELECT e.statement_id FROM new_rows n JOIN old_rows o ON o.id = n.id "  # noqa: S608
            f"JOIN {ENDORSEMENTS} e ON e.organization_id = n.id WHERE {changed}"
        ),
    }
    for name, ids in statement_ids.items():
        cursor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {PREFIX}_{name}() RETURNS trigger AS $$
            BEGIN
                PERFORM {FUNCTION}(ARRAY({ids}));
                RETURN NULL;
            END
            $$ LANGUAGE plpgsql
            """
        )
    for name, event, table, transition in [
        ("inserted", "INSERT", ENDORSEMENTS, "NEW TABLE AS new_rows"),
        ("deleted", "DELETE", ENDORSEMENTS, "OLD TABLE AS old_rows"),
        ("updated", "UPDATE", ENDORSEMENTS, "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("endorser_updated", "UPDATE", ORGANIZATIONS, "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ]:
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER {PREFIX}_{name} AFTER {event} ON {table} REFERENCING {transition} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}_{name}()"
        )


def _install_sqlite(cursor: Any, connection: Any) -> None:
    endorser = ", ".join(ORGANIZATION_COLUMNS)
    for name, event, table, statement_ids in [
        ("inserted", "INSERT", ENDORSEMENTS, "SELECT NEW.statement_id"),
        ("deleted", "DELETE", ENDORSEMENTS, "SELECT OLD.statement_id"),
        ("updated", "UPDATE", ENDORSEMENTS, "SELECT NEW.statement_id UNION SELECT OLD.statement_id"),
        (
            "endorser_updated",
            f"UPDATE OF {endorser}",
            ORGANIZATIONS,
            f"SELECT statement_id FROM {ENDORSEMENTS} WHERE organization_id = NEW.id",  # noqa: S608
        ),
    ]:
        cursor.execute(f"DROP TRIGGER IF EXISTS {PREFIX}_{name}")
        cursor.execute(
            f"CREATE TRIGGER {PREFIX}_{name} AFTER {event} ON {table} BEGIN {_store(connection, statement_ids)}; END"
        )
