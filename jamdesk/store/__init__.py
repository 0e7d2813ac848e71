"""Local storage: SQLAlchemy 2.0 models on SQLite (WAL), schema owned by Alembic."""
