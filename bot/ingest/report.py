"""What one source's poll did, and the one Russian line that tells an operator so."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class IngestReport:
    """The outcome of polling one source, for progress lines and logs.

    ``new`` releases stored, ``duplicates`` items already known, ``errors`` items whose
    article page could not be fetched or extracted (stored with their teaser),
    ``skipped`` items dropped for a reason of their own (unparsable, a failing analysis)
    while their siblings were stored, ``error`` the reason the whole poll failed
    (``None`` on success).
    """

    source: str
    new: int = 0
    duplicates: int = 0
    errors: int = 0
    not_modified: bool = False
    error: str | None = None
    duration_s: float = 0.0
    skipped: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None

    def timed(self, duration_s: float) -> IngestReport:
        """The same report with the poll's wall time."""
        return replace(self, duration_s=duration_s)

    def line(self) -> str:
        """One line for ``depesha ingest --once``."""
        took = f"{self.duration_s:.1f} с"
        if self.error is not None:
            return f"✗ {self.source}: {self.error} ({took})"
        if self.not_modified:
            return f"✓ {self.source}: без изменений ({took})"
        parts = [f"новых {self.new}", f"повторов {self.duplicates}"]
        if self.errors:
            parts.append(f"без полного текста {self.errors}")
        if self.skipped:
            parts.append(f"пропущено {self.skipped}")
        return f"✓ {self.source}: {', '.join(parts)} ({took})"
