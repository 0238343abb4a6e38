"""Backs up the notes folder of this skill into a dated archive."""
import datetime
import shutil
from pathlib import Path

NOTES = Path(__file__).parent / "notes"


def backup() -> Path:
    stamp = datetime.date.today().isoformat()
    target = Path(__file__).parent / "backups" / f"notes-{stamp}"
    return Path(shutil.make_archive(str(target), "zip", NOTES))
