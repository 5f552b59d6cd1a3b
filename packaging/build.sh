#!/usr/bin/env bash
# Build the one-folder desktop bundle, then run it: --version and the offscreen self-test (scan the sample, tag copies).
# Usage: [BUILD_DIR=build] packaging/build.sh [python]   (default: python on PATH; installs pyinstaller if missing)
# Prints the bundle size and the self-test's wall time. Exit status is non-zero if any step fails.
set -euo pipefail
PYTHON="${1:-python}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
"$PYTHON" -c "import PyInstaller" 2>/dev/null || "$PYTHON" -m pip install --quiet "pyinstaller>=6.10"
"$PYTHON" packaging/icons/render_icons.py
BUILD_DIR="${BUILD_DIR:-build}"  # where the work files and the bundle go
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$BUILD_DIR/dist" --workpath "$BUILD_DIR/pyinstaller" packaging/traintrace.spec
BUNDLE="$BUILD_DIR/dist/TrainTrace"
EXE="$BUNDLE/traintrace-gui"
[ -x "$EXE" ] || EXE="$BUNDLE/traintrace-gui.exe"

echo "== --version"
"$EXE" --version

echo "== offscreen self-test (main window, sample datasets imported, sample portfolio scanned and matched, tagged copies)"
export QT_QPA_PLATFORM=offscreen
"$PYTHON" packaging/time_start.py "self-test: main window shown" -- "$EXE" --self-test

echo "== figures"
echo "bundle size: $(du -sh "$BUNDLE" | cut -f1) ($(find "$BUNDLE" -type f | wc -l) files)"
