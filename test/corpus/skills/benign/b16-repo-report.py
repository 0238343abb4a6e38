import subprocess


def report(repo: str) -> str:
    status = subprocess.run(["git", "-C", repo, "status", "--short"], capture_output=True, text=True, check=True)
    log = subprocess.run(["git", "-C", repo, "log", "--oneline", "-n", "5"], capture_output=True, text=True, check=True)
    return status.stdout + "\n" + log.stdout
