"""The Citus-ready layout (docs/SCALING.md), read from the live schema of a
freshly migrated database: on PostgreSQL from pg_index, pg_constraint and
information_schema (integration_pg/test_schema_layout), on SQLite through
PRAGMA (integration/test_schema_layout). Every tenant-owned table has
tenant_id first in its primary key and in every unique index, and its
foreign keys include tenant_id (or point at a reference table by it); every
table is either tenant-owned or a known reference table; and the
create_distributed_table / create_reference_table calls in docs/SCALING.md
name exactly the tables the schema has. The checker is also shown a table
that breaks the rules, to prove it notices."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (SOURCE_DIR, case, db_exec, db_for, db_rows, eq, main, ok,  # noqa: E402
                     pg_backend, run_cli, tempdir)

# The platform catalogue: reference tables under Citus, keyed without tenant_id.
REFERENCE_PREFIXES = ("platform_",)
REFERENCE_TABLES = {"tenants", "api_keys", "secret_state", "schema_migrations", "config_generation"}


def is_reference(table):
    return table in REFERENCE_TABLES or table.startswith(REFERENCE_PREFIXES)


class Schema:
    """tables: {name: {column: not_null}}; indexes: [(table, name, primary,
    unique, [columns])]; fks: [(table, [columns], ref_table, [ref_columns])]."""

    def __init__(self):
        self.tables, self.indexes, self.fks = {}, [], []


def pg_schema(db):
    s = Schema()
    for table, column, nullable in db_rows(db, """
            SELECT c.table_name, c.column_name, c.is_nullable
            FROM information_schema.columns c JOIN information_schema.tables t
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"""):
        s.tables.setdefault(table, {})[column] = nullable == "NO"
    for table, index, primary, unique, cols in db_rows(db, """
            SELECT t.relname, i.relname, ix.indisprimary, ix.indisunique,
                   (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
                    FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum)
            FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid
            JOIN pg_class i ON i.oid = ix.indexrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = 'public'"""):
        s.indexes.append((table, index, primary, unique, (cols or "").split(",")))
    for table, cols, ref, ref_cols in db_rows(db, """
            SELECT src.relname,
                   (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
                    FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum),
                   dst.relname,
                   (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
                    FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum)
            FROM pg_constraint con JOIN pg_class src ON src.oid = con.conrelid
            JOIN pg_class dst ON dst.oid = con.confrelid
            JOIN pg_namespace n ON n.oid = src.relnamespace
            WHERE con.contype = 'f' AND n.nspname = 'public'"""):
        s.fks.append((table, cols.split(","), ref, ref_cols.split(",")))
    return s


def sqlite_schema(db):
    s = Schema()
    names = [n for (n,) in db_rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'"
                                       " AND name NOT LIKE 'sqlite_%'")]
    for table in names:
        info = db_rows(db, "PRAGMA table_info(\"%s\")" % table)
        # (cid, name, type, notnull, default, pk): pk is the 1-based key position.
        s.tables[table] = {col: bool(notnull) or pk > 0 for _, col, _, notnull, _, pk in info}
        pk = [col for _, col, _, _, _, pos in sorted(info, key=lambda r: r[5]) if pos > 0]
        if pk:
            s.indexes.append((table, "(primary key)", True, True, pk))
        for _, index, unique, origin, _ in db_rows(db, "PRAGMA index_list(\"%s\")" % table):
            if origin == "pk":
                continue  # the primary key, listed above in key order
            cols = [c for _, _, c in sorted(db_rows(db, "PRAGMA index_info(\"%s\")" % index))]
            s.indexes.append((table, index, False, bool(unique), cols))
        fks = {}
        for fk_id, seq, ref, col, ref_col, *_ in db_rows(db, "PRAGMA foreign_key_list(\"%s\")"
                                                             % table):
            fks.setdefault(fk_id, (ref, []))[1].append((seq, col, ref_col))
        for ref, parts in fks.values():
            parts.sort()
            # An FK naming no parent column means the parent's primary key.
            ref_cols = [rc if rc else "id" for _, _, rc in parts]
            s.fks.append((table, [c for _, c, _ in parts], ref, ref_cols))
    return s


def violations(s):
    """Every way the schema breaks the Citus-ready rules, as sentences."""
    bad = []
    owned = {t for t in s.tables if not is_reference(t)}
    for t in sorted(owned):
        cols = s.tables[t]
        if "tenant_id" not in cols:
            bad.append("%s: neither a reference table nor tenant-owned (no tenant_id)" % t)
            continue
        if not cols["tenant_id"]:
            bad.append("%s: tenant_id may be NULL" % t)
        pks = [ix for ix in s.indexes if ix[0] == t and ix[2]]
        if not pks:
            bad.append("%s: no primary key" % t)
    for table, index, primary, unique, cols in s.indexes:
        if table in owned and (primary or unique) and cols[:1] != ["tenant_id"]:
            bad.append("%s: %s %s (%s) does not lead with tenant_id" %
                       (table, "primary key" if primary else "unique index", index,
                        ", ".join(cols)))
    for table, cols, ref, ref_cols in s.fks:
        if table in owned and not is_reference(ref):
            pairs = dict(zip(cols, ref_cols))
            if pairs.get("tenant_id") != "tenant_id":
                bad.append("%s: foreign key (%s) to tenant-owned %s does not include tenant_id"
                           % (table, ", ".join(cols), ref))
        elif table in owned and ref == "tenants" and (cols, ref_cols) != (["tenant_id"], ["id"]):
            bad.append("%s: foreign key to tenants is not (tenant_id) -> tenants (id)" % table)
        elif is_reference(table) and ref in owned:
            bad.append("%s: reference table points at tenant-owned %s" % (table, ref))
    return bad


def migrated_db():
    d = tempdir()
    db = db_for(d)
    r = run_cli(["migrate", "--db", db, "--secret-file", os.path.join(d, "secret")])
    eq(r.returncode, 0, "otpgate migrate (stderr: %s)" % r.stderr[-400:])
    return db


def read_schema(db):
    return pg_schema(db) if pg_backend() else sqlite_schema(db)


@case
def tenant_owned_tables_follow_the_citus_rules():
    db = migrated_db()
    s = read_schema(db)
    ok(len(s.tables) >= 20, "the schema was read: %s" % sorted(s.tables))
    for must in ("tenants", "messages", "ledger_entries", "wallets", "otp_requests"):
        ok(must in s.tables, "%s in the schema" % must)
    bad = violations(s)
    ok(not bad, "the layout breaks the Citus rules:\n  " + "\n  ".join(bad))
    # Some of what the rules protect, spelled out.
    uniques = {(t, ix): cols for t, ix, _, u, cols in s.indexes if u}
    ok(any(t == "ledger_entries" and cols == ["tenant_id", "message_id"]
           for (t, _), cols in uniques.items()), "one settlement per message, per tenant")
    ok(any(t == "templates" and cols == ["tenant_id"] for (t, _), cols in uniques.items()),
       "one default template per tenant")


@case
def the_checker_notices_a_broken_table():
    db = migrated_db()
    db_exec(db, "CREATE TABLE bad_owned (id TEXT NOT NULL PRIMARY KEY, tenant_id TEXT NOT NULL)")
    db_exec(db, "CREATE UNIQUE INDEX bad_owned_name ON messages (id)")
    db_exec(db, "CREATE TABLE bad_orphan (id TEXT NOT NULL PRIMARY KEY)")
    db_exec(db, "CREATE TABLE bad_fk (tenant_id TEXT NOT NULL, id TEXT NOT NULL,"
                " owner TEXT NOT NULL REFERENCES bad_owned (id), PRIMARY KEY (tenant_id, id))")
    bad = "\n".join(violations(read_schema(db)))
    for expected in ("bad_owned: primary key", "messages: unique index bad_owned_name",
                     "bad_orphan: neither", "bad_fk: foreign key (owner) to tenant-owned"):
        ok(expected in bad, "the checker reports %r:\n%s" % (expected, bad))


@case
def scaling_doc_names_every_table():
    db = migrated_db()
    s = read_schema(db)
    with open(os.path.join(SOURCE_DIR, "docs", "SCALING.md"), encoding="utf-8") as f:
        doc = f.read()
    distributed = set(re.findall(r"create_distributed_table\('(\w+)', 'tenant_id'", doc))
    reference = set(re.findall(r"create_reference_table\('(\w+)'\)", doc))
    owned = {t for t in s.tables if not is_reference(t)}
    refs = {t for t in s.tables if is_reference(t)}
    eq(sorted(distributed), sorted(owned), "create_distributed_table calls vs tenant-owned tables")
    eq(sorted(reference), sorted(refs), "create_reference_table calls vs reference tables")


if __name__ == "__main__":
    main()
