"""Storage: SQLModel tables, the database engine for SQLite and PostgreSQL, migrations and every query."""
