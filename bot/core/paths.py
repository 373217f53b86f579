"""Where the project's own folders are, worked out once (the code moves; these stay)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = PROJECT_ROOT / "var"
PROFILES_DIR = PROJECT_ROOT / "profiles"
WEB_DIR = PROJECT_ROOT / "web"
DATA_DIR = PROJECT_ROOT / "data"
