"""Domain errors raised by storage instead of sqlite3 exceptions."""


class StorageError(Exception):
    """Base class: something about the database went wrong."""


class ConflictError(StorageError):
    """A uniqueness rule was violated (the row already exists)."""


class DuplicateKeyError(ConflictError):
    """A unique index refused a row: it, or one with the same key, is stored already."""


class NotFoundError(StorageError):
    """The row asked for does not exist."""


class SchemaTooNewError(StorageError):
    """The database was written by a newer version of Депеша than this one."""


class BackupUnsupportedError(StorageError):
    """This backend has no file copy from inside the program (PostgreSQL: use pg_dump)."""
