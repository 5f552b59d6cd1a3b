#!/usr/bin/env bash
# Build the one-folder desktop bundle, then run it: --version and the offscreen self-test (scan the sample).
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

echo "== offscreen self-test (opens the main window, scans the sample portfolio)"
export QT_QPA_PLATFORM=offscreen
START=$(date +%s.%N)
"$EXE" --self-test
END=$(date +%s.%N)

echo "== figures"
echo "bundle size: $(du -sh "$BUNDLE" | cut -f1) ($(find "$BUNDLE" -type f | wc -l) files)"
echo "self-test wall time (start, window, scan of the sample, exit): $(echo "$END - $START" | bc) s"
