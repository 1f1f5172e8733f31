"""The PostgreSQL backend (asyncpg): the same repositories as SQLite's, for DATABASE_URL."""
